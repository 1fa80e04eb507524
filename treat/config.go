package treat

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"qualstate"
)

// Settings keys read by ParseConfig.
const (
	KeyDrift      = "treat.drift"
	KeyModePrefix = "treat.mode."
	KeyGrace      = "treat.grace"
	KeyWindows    = "treat.windows"
	KeyRateLimit  = "treat.rate-limit"
	KeyDryRun     = "treat.dry-run"
)

// Defaults of the settings.
const (
	DefaultGrace     = 5 * time.Minute
	DefaultRateLimit = 10
)

// Config is how a home treats deviations.
type Config struct {
	// DriftMode is what is done with drift from the baseline; resources
	// added or removed are proposed at most.
	DriftMode qualstate.RemediationMode `json:"driftMode"`
	// Modes overrides, per requirement id, the mode the requirement set
	// gives.
	Modes map[string]qualstate.RemediationMode `json:"modes,omitempty"`
	// Grace is how long a deviation stays open before it is treated
	// automatically: a change being made by hand is often finished or
	// undone within minutes.
	Grace time.Duration `json:"grace"`
	// Windows are approved change windows: deviations are recorded but not
	// treated automatically while one is in force.
	Windows []Window `json:"windows,omitempty"`
	// RatePerHour is how many automatic changes may be made in any hour
	// across the home; 0 allows none.
	RatePerHour int `json:"ratePerHour"`
	// DryRun proposes what would be applied instead of applying it.
	DryRun bool `json:"dryRun,omitempty"`
}

// DefaultConfig is the configuration of a home with no treat.* settings:
// drift proposed, requirements as their set says, a grace of five minutes,
// ten changes an hour.
func DefaultConfig() Config {
	return Config{DriftMode: qualstate.RemediationPropose, Grace: DefaultGrace, RatePerHour: DefaultRateLimit}
}

// ParseConfig reads the treat.* keys of a home's settings over the
// defaults; other keys are not its business and are ignored. An unknown
// treat.* key or a bad value is an ErrInvalidInput naming the key; every
// problem is reported at once.
func ParseConfig(settings map[string]string) (Config, error) {
	c := DefaultConfig()
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, qualstate.Errorf(qualstate.ErrInvalidInput, qualstate.Location{}, "setting %s: "+format, append([]any{key}, args...)...))
	}
	// Sorted keys keep the messages in a stable order.
	for _, key := range slices.Sorted(maps.Keys(settings)) {
		value := strings.TrimSpace(settings[key])
		if !strings.HasPrefix(key, "treat.") {
			continue
		}
		switch {
		case key == KeyDrift:
			m, err := qualstate.ParseRemediationMode(value)
			if err != nil {
				bad(key, "%w", err)
				continue
			}
			c.DriftMode = m
		case strings.HasPrefix(key, KeyModePrefix):
			id := strings.TrimPrefix(key, KeyModePrefix)
			switch id {
			case "":
				bad(key, "no requirement id after %s", KeyModePrefix)
				continue
			case qualstate.DriftRequirement:
				// Drift has its own key; two keys for one thing would
				// leave a reader unsure which wins.
				bad(key, "drift from the baseline is set with %s", KeyDrift)
				continue
			}
			m, err := qualstate.ParseRemediationMode(value)
			if err != nil {
				bad(key, "%w", err)
				continue
			}
			if c.Modes == nil {
				c.Modes = map[string]qualstate.RemediationMode{}
			}
			c.Modes[id] = m
		case key == KeyGrace:
			d, err := time.ParseDuration(value)
			if err != nil || d < 0 {
				bad(key, "%q is not a duration such as 5m or 1h", value)
				continue
			}
			c.Grace = d
		case key == KeyWindows:
			ws, err := ParseWindows(value)
			if err != nil {
				bad(key, "%w", err)
				continue
			}
			c.Windows = ws
		case key == KeyRateLimit:
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 {
				bad(key, "%q is not a number of changes per hour (0 or more)", value)
				continue
			}
			c.RatePerHour = n
		case key == KeyDryRun:
			b, err := strconv.ParseBool(value)
			if err != nil {
				bad(key, "%q is not true or false", value)
				continue
			}
			c.DryRun = b
		default:
			bad(key, "unknown key (want %s, %sREQ-ID, %s, %s, %s or %s)", KeyDrift, KeyModePrefix, KeyGrace, KeyWindows, KeyRateLimit, KeyDryRun)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return c, nil
}
