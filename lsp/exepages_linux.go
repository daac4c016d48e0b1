//go:build linux

package lsp

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// madvDontneed is MADV_DONTNEED: the kernel unmaps the range; a later
// access maps the page again from the file (for a file mapping without
// private changes, the same bytes, from the page cache: a minor fault).
const madvDontneed = 4

// dropExecutablePages asks the kernel to unmap the pages of the running
// executable's mappings that are read-only and hold no private changes
// (its code and read-only data; see exePages in memory.go), and returns
// how many bytes of mappings it advised. A read-only mapping with private
// changes is left alone: the dynamic linker's relocations (RELRO), a
// debugger's breakpoints; dropping those would map the file's bytes back
// over them (the relocated C function pointers become zero).
func dropExecutablePages() (int, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0, err
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	ranges, err := cleanReadOnlyMappings(bufio.NewScanner(f), exe)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range ranges {
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, r[0], r[1]-r[0], madvDontneed); errno != 0 {
			return n, errno
		}
		n += int(r[1] - r[0])
	}
	return n, nil
}

// cleanReadOnlyMappings reads smaps and returns the address ranges of the
// mappings of file path that are not writable and have no anonymous pages
// (a private mapping's changed pages are anonymous copies). Private_Dirty
// is no test: it also counts the file's own pages that are dirty in the page
// cache, as all of them are after the executable was just copied.
func cleanReadOnlyMappings(sc *bufio.Scanner, path string) ([][2]uintptr, error) {
	var out [][2]uintptr
	var cur *[2]uintptr
	clean := false
	flush := func() {
		if cur != nil && clean {
			out = append(out, *cur)
		}
		cur = nil
	}
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if lo, hi, ok := strings.Cut(fields[0], "-"); ok && len(fields) >= 5 && !strings.HasSuffix(fields[0], ":") {
			flush()
			// "lo-hi perms offset dev inode [path]"; the path may hold spaces.
			name := ""
			if len(fields) >= 6 {
				name = strings.Join(fields[5:], " ")
			}
			if name != path || strings.ContainsRune(fields[1], 'w') {
				continue
			}
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 != nil || err2 != nil || b <= a {
				continue
			}
			cur, clean = &[2]uintptr{uintptr(a), uintptr(b)}, true
			continue
		}
		if cur != nil && len(fields) >= 2 && fields[0] == "Anonymous:" && fields[1] != "0" {
			clean = false
		}
	}
	flush()
	return out, sc.Err()
}
