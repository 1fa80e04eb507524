package cfn

import (
	"container/heap"
	"strings"
)

// resourceCycles reports resources that depend on themselves, through
// DependsOn or references, naming the cycle.
func (d *Document) resourceCycles(p *problems) {
	const (
		unvisited = iota
		visiting
		done
	)
	state := make(map[string]int, len(d.resources))
	var path []string
	var visit func(r *resourceDecl)
	visit = func(r *resourceDecl) {
		state[r.id] = visiting
		path = append(path, r.id)
		for _, dep := range r.staticDeps {
			next := d.resIndex[dep]
			switch state[dep] {
			case visiting:
				cycle := append(pathFrom(path, dep), dep)
				p.add(d.resIndex[dep].loc, "resources form a dependency cycle: %s", strings.Join(cycle, " -> "))
			case unvisited:
				visit(next)
			}
		}
		path = path[:len(path)-1]
		state[r.id] = done
	}
	for _, r := range d.resources {
		if state[r.id] == unvisited {
			visit(r)
		}
	}
}

// order returns the resources of deps in an order that creates each after
// what it depends on; among resources free to go, the one written first
// goes first, so the order is the same on every run.
func order(d *Document, deps map[string][]string) []string {
	n := len(d.resources)
	waiting := make([]int, n)
	dependents := make([][]int, n)
	in := make([]bool, n)
	for id := range deps {
		in[d.resIndex[id].index] = true
	}
	for id, on := range deps {
		i := d.resIndex[id].index
		for _, dep := range on {
			if decl := d.resIndex[dep]; decl != nil && in[decl.index] && decl.index != i {
				waiting[i]++
				dependents[decl.index] = append(dependents[decl.index], i)
			}
		}
	}
	var ready intHeap
	for i := range n {
		if in[i] && waiting[i] == 0 {
			heap.Push(&ready, i)
		}
	}
	out := make([]string, 0, len(deps))
	for ready.Len() > 0 {
		i := heap.Pop(&ready).(int)
		out = append(out, d.resources[i].id)
		for _, next := range dependents[i] {
			if waiting[next]--; waiting[next] == 0 {
				heap.Push(&ready, next)
			}
		}
	}
	// Load rejects cycles, so every resource has been placed.
	return out
}

// intHeap is a min-heap of resource indexes.
type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
