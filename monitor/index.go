package monitor

import (
	"slices"
	"strings"
	"sync"

	"qualstate"
)

// Target is an instance a change event touches.
type Target struct {
	Instance string
	// LogicalIDs are the instance's resources the event names, sorted.
	LogicalIDs []string
	// Stack is set when the event names the instance's stack: a stack
	// update may have added or removed resources.
	Stack bool
}

// Index finds the monitored resources a change event touches. Each
// resource is known by its keys: its physical id, its Cloud Control
// identifier and the ARNs its model carries (Arn and every property whose
// name ends in Arn). Matching costs a few map lookups per string of the
// event, whatever the number of resources. It is safe for concurrent use.
type Index struct {
	mu sync.RWMutex
	// keys maps a key to the resources it names.
	keys map[string][]resourceRef
	// stacks maps a stack's name and id to its instances.
	stacks map[string][]string
	// added lists what Add recorded for each instance, so a second Add
	// replaces it.
	added map[string]indexEntry
}

type resourceRef struct{ instance, logicalID string }

type indexEntry struct {
	keys   []string
	stacks []string
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{keys: map[string][]resourceRef{}, stacks: map[string][]string{}, added: map[string]indexEntry{}}
}

// Add indexes an instance's stack and resources, replacing what was
// indexed for the instance before.
func (x *Index) Add(instanceID, stackName, stackID string, resources []qualstate.BaselineResource) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(instanceID)
	var e indexEntry
	for _, s := range []string{stackName, stackID} {
		if s != "" && !slices.Contains(e.stacks, s) {
			e.stacks = append(e.stacks, s)
			x.stacks[s] = append(x.stacks[s], instanceID)
		}
	}
	for i := range resources {
		r := &resources[i]
		ref := resourceRef{instanceID, r.LogicalID}
		for _, k := range resourceKeys(r) {
			x.keys[k] = append(x.keys[k], ref)
			e.keys = append(e.keys, k)
		}
	}
	x.added[instanceID] = e
}

// Remove forgets an instance.
func (x *Index) Remove(instanceID string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(instanceID)
}

func (x *Index) remove(instanceID string) {
	e, ok := x.added[instanceID]
	if !ok {
		return
	}
	delete(x.added, instanceID)
	for _, k := range e.keys {
		refs := slices.DeleteFunc(x.keys[k], func(r resourceRef) bool { return r.instance == instanceID })
		if len(refs) == 0 {
			delete(x.keys, k)
		} else {
			x.keys[k] = refs
		}
	}
	for _, s := range e.stacks {
		ids := slices.DeleteFunc(x.stacks[s], func(id string) bool { return id == instanceID })
		if len(ids) == 0 {
			delete(x.stacks, s)
		} else {
			x.stacks[s] = ids
		}
	}
}

// resourceKeys lists the values that name a resource, without duplicates.
func resourceKeys(r *qualstate.BaselineResource) []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	add(r.PhysicalID)
	add(r.Identifier)
	ti := infoOf(r.ResourceType)
	for k, v := range r.Properties {
		// The resource's own ARNs are read-only; a writable …Arn property
		// names another resource (a key, a role) and is no key of this one.
		own := k == "Arn" || ti.schema == nil || ti.readOnly[k]
		if s, ok := v.(string); ok && own && (strings.HasSuffix(k, "Arn") || strings.HasSuffix(k, "ARN")) && strings.HasPrefix(s, "arn:") {
			// Some types end an ARN with ":*" (log groups); events name
			// it without.
			add(strings.TrimSuffix(s, ":*"))
		}
	}
	return out
}

// Match returns the instances whose resources or stacks the event names,
// by instance id. A read-only or failed call changed nothing and matches
// nothing. A resource is named when one of its keys is a string of the
// event, or an ARN of the event ends with ":" or "/" and the key.
func (x *Index) Match(ev qualstate.ChangeEvent) []Target {
	if ev.ReadOnly || ev.Failed {
		return nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	found := map[string]*Target{}
	target := func(id string) *Target {
		t := found[id]
		if t == nil {
			t = &Target{Instance: id}
			found[id] = t
		}
		return t
	}
	resource := func(key string) {
		for _, r := range x.keys[key] {
			t := target(r.instance)
			if !slices.Contains(t.LogicalIDs, r.logicalID) {
				t.LogicalIDs = append(t.LogicalIDs, r.logicalID)
			}
		}
	}
	stack := func(key string) {
		for _, id := range x.stacks[key] {
			target(id).Stack = true
		}
	}
	for _, s := range ev.Strings {
		resource(s)
		stack(s)
		if !strings.HasPrefix(s, "arn:") {
			continue
		}
		// Some ARNs end in ":*" (a log group's); the resource is named
		// without it.
		arn := strings.TrimSuffix(s, ":*")
		if arn != s {
			resource(arn)
		}
		for i := len("arn:"); i < len(arn)-1; i++ {
			if arn[i] == ':' || arn[i] == '/' {
				resource(arn[i+1:])
			}
		}
		if name, ok := stackNameOf(s); ok {
			stack(name)
		}
	}
	out := make([]Target, 0, len(found))
	for _, t := range found {
		slices.Sort(t.LogicalIDs)
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Target) int { return strings.Compare(a.Instance, b.Instance) })
	return out
}

// stackNameOf reads the stack name out of a stack's ARN,
// arn:PARTITION:cloudformation:REGION:ACCOUNT:stack/NAME/ID.
func stackNameOf(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[2] != "cloudformation" {
		return "", false
	}
	rest, ok := strings.CutPrefix(parts[5], "stack/")
	if !ok {
		return "", false
	}
	name, _, _ := strings.Cut(rest, "/")
	return name, name != ""
}
