package promtest

import "syscall"

// sysProcAttr puts the child in its own process group, so that stopping it
// reaches anything it started, and has the kernel kill it if the test
// process dies first (a test timeout, a panic, Ctrl-C).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
