package qualify

import (
	"strings"

	"qualstate"
	"qualstate/jsonpatch"
)

// liveResolver gives the template's intrinsics the values the deployment
// produced: Ref the physical id, Fn::GetAtt the attribute from the live
// model, Fn::ImportValue the account's export. What it cannot give stays
// unknown, and a test depending on it is indeterminate, never guessed.
type liveResolver struct {
	stack     *qualstate.Stack
	byLogical map[string]*liveResource
	exports   map[string]string
}

func (l *liveResolver) Ref(logicalID string) (any, bool) {
	switch logicalID {
	case "AWS::StackId":
		if l.stack != nil && l.stack.ID != "" {
			return l.stack.ID, true
		}
		return nil, false
	case "AWS::NotificationARNs":
		return []any{}, true
	}
	lr := l.byLogical[logicalID]
	if lr == nil || lr.sr.PhysicalID == "" {
		return nil, false
	}
	return lr.sr.PhysicalID, true
}

func (l *liveResolver) GetAtt(logicalID, attribute string) (any, bool) {
	lr := l.byLogical[logicalID]
	if lr == nil || lr.model == nil {
		return nil, false
	}
	var v any = lr.model
	for _, part := range strings.Split(attribute, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[part]; !ok || v == nil {
			return nil, false
		}
	}
	return jsonpatch.Clone(v), true
}

func (l *liveResolver) ImportValue(name string) (any, bool) {
	v, ok := l.exports[name]
	return v, ok
}

// hasUnknown reports whether a value holds a value not known, and the
// first reason.
func hasUnknown(v any) (string, bool) {
	switch v := v.(type) {
	case *qualstate.Unknown:
		return v.Reason, true
	case map[string]any:
		for _, x := range v {
			if r, ok := hasUnknown(x); ok {
				return r, true
			}
		}
	case []any:
		for _, x := range v {
			if r, ok := hasUnknown(x); ok {
				return r, true
			}
		}
	}
	return "", false
}
