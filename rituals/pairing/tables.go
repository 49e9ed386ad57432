package pairing

var smallSchedules = map[[2]int][]string{}
