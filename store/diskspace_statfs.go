//go:build linux || darwin || freebsd || dragonfly

package store

import (
	"fmt"
	"syscall"
)

// DiskSpaceOf returns the room on the file system that holds path (statfs).
func DiskSpaceOf(path string) (DiskSpace, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return DiskSpace{}, fmt.Errorf("free space of %s: %w", path, err)
	}
	bsize := uint64(st.Bsize)
	return DiskSpace{Free: uint64(st.Bavail) * bsize, Total: uint64(st.Blocks) * bsize}, nil
}
