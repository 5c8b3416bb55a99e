//go:build unix && !linux

package promtest

import "syscall"

// sysProcAttr puts the child in its own process group, so that stopping it
// reaches anything it started.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
