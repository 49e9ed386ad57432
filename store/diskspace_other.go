//go:build !(linux || darwin || freebsd || dragonfly)

package store

import "errors"

// DiskSpaceOf is not available on this system: it always returns an error.
func DiskSpaceOf(string) (DiskSpace, error) {
	return DiskSpace{}, errors.New("free space is not known on this system")
}
