package vaulttest

import "syscall"

// sysProcAttr puts the server in its own process group, so Stop can kill
// everything it spawned and a Ctrl-C aimed at `go test` does not reach it
// directly, and kills it if the test binary dies without calling Stop (a
// panic or -timeout), so no orphaned servers pile up.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
