package load

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// userHZ is the unit of /proc/stat's CPU times (USER_HZ, 100 on Linux).
const userHZ = 100

// machineBusy returns the CPU seconds all processes of the machine have
// used since boot (every field of /proc/stat's "cpu" line except idle and
// iowait), so that a window's figures can say how much of the machine
// other processes took meanwhile. It fails where /proc is absent.
func machineBusy() (float64, error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 || fields[0] != "cpu" {
			continue
		}
		var busy float64
		// user nice system idle iowait irq softirq steal (guest is in user).
		for i, v := range fields[1:min(len(fields), 9)] {
			if i == 3 || i == 4 {
				continue
			}
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/stat: %w", err)
			}
			busy += n
		}
		return busy / userHZ, nil
	}
	return 0, fmt.Errorf("/proc/stat: no cpu line")
}
