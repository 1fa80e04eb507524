package registry

import (
	"regexp"
	"slices"
	"strings"
)

var functionName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// retiredRuntimes are runtimes Lambda no longer creates functions with.
var retiredRuntimes = []string{
	"nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x",
	"python2.7", "python3.6", "python3.7", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1",
	"dotnet5.0", "ruby2.5", "ruby2.7",
}

var lambdaFunction = &spec{
	service: "lambda",
	name:    &nameRule{prop: "FunctionName", max: 64},
	arn:     "Arn",
	check: func(m map[string]any) problems {
		var ps problems
		ps.named(m, "FunctionName", functionName, "function names are 1 to 64 letters, digits, hyphens and underscores")
		image := str(m, "PackageType") == "Image"
		runtime := str(m, "Runtime")
		switch {
		case image:
			if !has(m, "Code", "ImageUri") {
				ps.add("a function of PackageType Image needs Code.ImageUri", "Code")
			}
			for _, p := range []string{"Runtime", "Handler", "Layers"} {
				if has(m, p) {
					ps.addf([]string{p}, "%s does not apply to a function of PackageType Image", p)
				}
			}
		default:
			for _, p := range []string{"Runtime", "Handler"} {
				if !has(m, p) {
					ps.addf([]string{p}, "%s is required for a function of PackageType Zip", p)
				}
			}
			zip, s3 := has(m, "Code", "ZipFile"), has(m, "Code", "S3Bucket") || has(m, "Code", "S3Key")
			switch {
			case has(m, "Code", "ImageUri"):
				ps.add("Code.ImageUri needs PackageType: Image", "Code", "ImageUri")
			case zip && s3:
				ps.add("give the code either inline (ZipFile) or in S3 (S3Bucket and S3Key), not both", "Code")
			case s3 && (!has(m, "Code", "S3Bucket") || !has(m, "Code", "S3Key")):
				ps.add("code in S3 needs both S3Bucket and S3Key", "Code")
			case !zip && !s3:
				ps.add("one of ZipFile, S3Bucket and S3Key, or ImageUri is required", "Code")
			}
			if zip && runtime != "" && !strings.HasPrefix(runtime, "nodejs") && !strings.HasPrefix(runtime, "python") {
				ps.addf([]string{"Code", "ZipFile"}, "inline code is only for Node.js and Python runtimes; got %s", runtime)
			}
		}
		if slices.Contains(retiredRuntimes, runtime) {
			ps.addf([]string{"Runtime"}, "the runtime %s is no longer supported for creating or updating functions", runtime)
		}
		ps.between(m, 128, 10240, "MemorySize")
		ps.between(m, 1, 900, "Timeout")
		if n := len(list(m, "Architectures")); n > 1 {
			ps.add("a function has exactly one architecture", "Architectures")
		}
		return ps
	},
	defaults: func(_ Env, m map[string]any) {
		setDefault(m, int64(128), "MemorySize")
		setDefault(m, int64(3), "Timeout")
		setDefault(m, []any{"x86_64"}, "Architectures")
		setDefault(m, "Zip", "PackageType")
		setDefault(m, map[string]any{"Mode": "PassThrough"}, "TracingConfig")
		setDefault(m, map[string]any{"Size": int64(512)}, "EphemeralStorage")
		setDefault(m, map[string]any{"UpdateRuntimeOn": "Auto"}, "RuntimeManagementConfig")
		setDefault(m, "Text", "LoggingConfig", "LogFormat")
		if str(m, "LoggingConfig", "LogFormat") == "JSON" {
			setDefault(m, "INFO", "LoggingConfig", "ApplicationLogLevel")
			setDefault(m, "INFO", "LoggingConfig", "SystemLogLevel")
		}
		if name := str(m, "FunctionName"); name != "" {
			setDefault(m, "/aws/lambda/"+name, "LoggingConfig", "LogGroup")
		}
	},
	generate: func(g *gen, m map[string]any) {
		setDefault(m, g.env.arn("lambda", "function:"+str(m, "FunctionName")), "Arn")
		status, apply := "Off", "None"
		if str(m, "SnapStart", "ApplyOn") == "PublishedVersions" {
			status, apply = "On", "PublishedVersions"
		}
		setDefault(m, map[string]any{"ApplyOn": apply, "OptimizationStatus": status}, "SnapStartResponse")
	},
	// SnapStart's state follows its setting.
	update: func(_ *gen, _, next map[string]any) { delete(next, "SnapStartResponse") },
}

var lambdaPermission = &spec{
	service: "lambda",
	check: func(m map[string]any) problems {
		var ps problems
		if has(m, "FunctionUrlAuthType") && str(m, "Action") != "lambda:InvokeFunctionUrl" {
			ps.add("FunctionUrlAuthType only applies to the action lambda:InvokeFunctionUrl", "FunctionUrlAuthType")
		}
		return ps
	},
	generate: func(g *gen, m map[string]any) {
		// The statement id CloudFormation gives the permission.
		setDefault(m, g.name(nameRule{max: 100}, m), "Id")
	},
}
