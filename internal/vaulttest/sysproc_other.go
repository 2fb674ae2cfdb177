//go:build !linux

package vaulttest

import "syscall"

// sysProcAttr puts the server in its own process group so Stop can kill
// everything it spawned. Without Linux's Pdeathsig, a test binary that dies
// without calling Stop leaves the server running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
