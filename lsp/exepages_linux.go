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

// mapping is one entry of /proc/PID/smaps: its address range, whether it
// is writable, the file it maps, and its resident and anonymous bytes.
type mapping struct {
	lo, hi     uintptr
	writable   bool
	path       string
	rss, anonB int
}

// readSmaps parses smaps. An entry's header is "lo-hi perms offset dev
// inode [path]" (the path may hold spaces); its fields ("Rss:     8 kB")
// follow until the next header.
func readSmaps(sc *bufio.Scanner) ([]mapping, error) {
	var out []mapping
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if lo, hi, ok := strings.Cut(fields[0], "-"); ok && len(fields) >= 5 && !strings.HasSuffix(fields[0], ":") {
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 != nil || err2 != nil || b <= a {
				continue
			}
			m := mapping{lo: uintptr(a), hi: uintptr(b), writable: strings.ContainsRune(fields[1], 'w')}
			if len(fields) >= 6 {
				m.path = strings.Join(fields[5:], " ")
			}
			out = append(out, m)
			continue
		}
		if len(out) == 0 || len(fields) < 2 {
			continue
		}
		kb, err := strconv.Atoi(fields[1])
		if err != nil {
			continue
		}
		switch fields[0] {
		case "Rss:":
			out[len(out)-1].rss = kb << 10
		case "Anonymous:":
			out[len(out)-1].anonB = kb << 10
		}
	}
	return out, sc.Err()
}

// cleanReadOnlyMappings reads smaps and returns the address ranges of the
// mappings of file path that are not writable and have no anonymous pages
// (a private mapping's changed pages are anonymous copies). Private_Dirty
// is no test: it also counts the file's own pages that are dirty in the page
// cache, as all of them are after the executable was just copied.
func cleanReadOnlyMappings(sc *bufio.Scanner, path string) ([][2]uintptr, error) {
	ms, err := readSmaps(sc)
	var out [][2]uintptr
	for _, m := range ms {
		if m.path == path && !m.writable && m.anonB == 0 {
			out = append(out, [2]uintptr{m.lo, m.hi})
		}
	}
	return out, err
}
