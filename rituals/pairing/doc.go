// Package pairing is the grouping engine of the coffee ritual: given the members, the dated history
// of past groups, pairs to keep apart, a group size and a seed, Plan forms one round's groups and
// says why each group was chosen. It is pure domain code, and it keeps nothing between calls: the
// bot passes the whole history every round, and everything below is re-derived from it.
//
// # What a round promises
//
//   - No pair meets again while a grouping without a repeat exists that the engine can find;
//     when repeats are forced, as few as possible, and the oldest ones.
//   - Exclusions are never broken. If the only way to place someone would break one, that person
//     is returned in Result.Alone, exactly like a lone member, so the exclusion stays private.
//   - Nobody is left out: with n not divisible by the group size k, leftovers join groups of k,
//     making groups of k+1 (an odd count of pairs gives one trio). Only when there are fewer
//     groups than leftovers (some counts below k(k-1): 5 people in trios; 6, 7 or 11 in fours)
//     are the n people spread as evenly as possible over one more group, making groups of k-1;
//     fewer than k people make one group; never a group of one. A single member gets no group
//     and is in Result.Alone; no members give an empty Result.
//   - Soft wishes (close UTC offsets so working hours overlap; different teams when labels exist)
//     decide between groupings that are equal on repeats, and never cost a repeat, now or later
//     in the plan.
//   - The same Input gives the same Result, whatever the order of members, history and
//     exclusions, and whatever Go's map iteration order.
//
// # How: continuing a design the history already follows
//
// Choosing each round on its own, even by exact search, gets stuck a round or two before the
// physical limit (n-1 rounds of pairs for n people). Reaching it needs a plan for all rounds, and a
// stateless engine must re-derive that plan every call. So:
//
//  1. Layout. Members are sorted by UTC offset and, within one offset, dealt out team by team;
//     ties are broken by a hash of the id under the seed. Rank i is the i-th member. The layout
//     depends only on the member set and the seed, never on the input order.
//  2. Design. A resolvable design is laid over the ranks: a schedule of rounds in which no pair
//     meets twice. For pairs it is the circle method (round-robin: n-1 rounds for even n); for odd
//     n up to 47, a precomputed schedule with the trio built in (the circle method's spare member
//     joining a pair would spoil other rounds), beyond that the circle method with repairs. For
//     trios and fours: Kirkman's schoolgirls for 15, affine geometries AG(m, q) for q^m members in
//     groups of q (9, 27, 81 in trios; 16, 64, 256 in fours), Kirkman triple systems for every
//     n ≡ 3 (mod 6) up to 99 and resolvable designs in fours for 28, 40, 52, 76 and 88 members
//     (known constructions, resolvable.go), precomputed schedules up to 48 members, transversal
//     designs for k·q members when they go further; otherwise rounds of difference-disjoint
//     strides. The precomputed schedules were found offline by tabu search over
//     all rounds at once (tablegen_test.go regenerates them). Every design finds in constant time
//     the round in which two ranks meet, and its round 0 groups rank neighbours, i.e. close time
//     zones and different teams.
//  3. Continue. Each past pair of current members belongs to one design round, so a single pass
//     over the history counts, for every round, its pairs that already met (and how recently).
//     With stable membership the history is made of whole design rounds, and the least used round
//     is untouched: the schedule follows the design to its end. Among untouched rounds, the one
//     whose groups best suit time zones and teams is taken.
//  4. Repair. When members join or leave, the layout and so the design change: the history then
//     spreads thinly over all rounds (this is the re-planning). The few least used rounds are
//     repaired by local search, swapping members between groups to remove repeats and excluded
//     pairs, then tabu search if single swaps cannot; the best result wins. Pairs taken from
//     other design rounds ("deviations") cost a little, more if that round is still clean, so
//     repairs spoil as few future rounds as possible.
//
// A grouping's cost is compared in this order: excluded pairs, then repeats, then how recent the
// repeats are (a pair that met last week costs more than one that met last year), then
// deviations, then soft wishes. Costs are integers, so no total depends on summing order.
//
// # How far it gets
//
// BENCHMARKS.md has the measured figures. In short: pairs with stable membership reach the limit,
// n-1 rounds without a repeat, for every even n tried (10, 20, 50, 200), with or without time zones
// and teams. Odd n reach their own limit (⌊n(n-1)/(n+3)⌋, as each round's trio uses three pairs)
// up to 29 people, 96-98% of it up to 47, about 85-94% beyond. Trios and fours reach
// the limit ⌊(n-1)/(k-1)⌋ wherever a resolvable design is built here: trios for every
// n ≡ 3 (mod 6) up to 99, fours for 16, 28, 40, 52, 64, 76 and 88. They stop short for fours of
// 100 (a resolvable design exists; none is built here) and for sizes without a resolvable
// design, at 67-88% of the bound, which is not always attainable (12 in trios manage 4 of 5) but
// sometimes is (nearly Kirkman triple systems give trios of 18, 24, 30 the whole bound; they are
// not built here).
// With churn, repeats per round equal the exact per-round optimum for small teams. 1,000 members
// with a year of weekly history take 4-20 ms, 10,000 members about 70 ms of CPU in pairs and
// 105 ms in trios or fours (one core).
//
// # Caveats for callers
//
// The layout, hence the plan, depends on the member set and the offsets: a member joining or
// leaving, or an offset that changes the layout order, re-plans as above. Pass a stable offset per
// member (the zone's standard offset, not today's daylight-saving one) so that clocks changing twice
// a year do not re-plan. UTC offsets are compared around the clock: UTC+12 and UTC-11 are 1 h apart.
package pairing
