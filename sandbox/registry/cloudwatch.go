package registry

var cloudwatchAlarm = &spec{
	service: "monitoring",
	name:    &nameRule{prop: "AlarmName", max: 255},
	arn:     "Arn",
	check: func(m map[string]any) problems {
		var ps problems
		ps.enum(m, []string{"ComparisonOperator"}, "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
			"LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold")
		ps.enum(m, []string{"Statistic"}, "SampleCount", "Average", "Sum", "Minimum", "Maximum")
		ps.enum(m, []string{"TreatMissingData"}, "breaching", "notBreaching", "ignore", "missing")
		if has(m, "EvaluationCriteria") {
			// A PromQL alarm has no metric, statistic or threshold.
			return ps
		}
		for _, p := range []string{"ComparisonOperator", "EvaluationPeriods"} {
			if !has(m, p) {
				ps.addf([]string{p}, "%s is required", p)
			}
		}
		switch {
		case has(m, "Metrics"):
			for _, p := range []string{"MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit"} {
				if has(m, p) {
					ps.addf([]string{p}, "%s cannot be given with Metrics", p)
				}
			}
		default:
			for _, p := range []string{"MetricName", "Namespace", "Period"} {
				if !has(m, p) {
					ps.addf([]string{p}, "%s is required for an alarm on a single metric", p)
				}
			}
			ps.oneRequired(m, nil, "Statistic", "ExtendedStatistic")
			ps.exclusive(m, "Statistic", "ExtendedStatistic")
		}
		if period, ok := integer(m, "Period"); ok && period != 10 && period != 20 && period != 30 && period%60 != 0 {
			ps.addf([]string{"Period"}, "must be 10, 20, 30 or a multiple of 60; got %d", period)
		}
		if n, ok := integer(m, "DatapointsToAlarm"); ok {
			if e, ok := integer(m, "EvaluationPeriods"); ok && n > e {
				ps.add("DatapointsToAlarm must not exceed EvaluationPeriods", "DatapointsToAlarm")
			}
		}
		if !has(m, "Threshold") && !has(m, "ThresholdMetricId") {
			ps.add("one of Threshold or ThresholdMetricId is required")
		}
		return ps
	},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, g.env.arn("cloudwatch", "alarm:"+str(m, "AlarmName")), "Arn")
	},
}
