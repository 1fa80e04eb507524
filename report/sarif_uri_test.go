package report

import (
	"net/url"
	"testing"
)

func TestArtifactURI(t *testing.T) {
	tests := []struct {
		path, uri, base string
	}{
		{"templates/app.yaml", "templates/app.yaml", srcRoot},
		{"../shared/net.yaml", "../shared/net.yaml", srcRoot},
		{"my templates/ü#1?.yaml", "my%20templates/%C3%BC%231%3F.yaml", srcRoot},
		{"a:b.yaml", "./a:b.yaml", srcRoot},
		{"100%.yaml", "100%25.yaml", srcRoot},
		{"/srv/t/app.yaml", "file:///srv/t/app.yaml", ""},
		{"/srv/t/ünï & <x>.json", "file:///srv/t/%C3%BCn%C3%AF%20&%20%3Cx%3E.json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			uri, base := artifactURI(tt.path)
			if uri != tt.uri || base != tt.base {
				t.Errorf("artifactURI(%q) = %q, %q; want %q, %q", tt.path, uri, base, tt.uri, tt.base)
			}
			u, err := url.Parse(uri)
			if err != nil {
				t.Fatalf("not a URI reference: %v", err)
			}
			if (base == "") != u.IsAbs() {
				t.Errorf("%q: absolute %v, but uriBaseId %q", uri, u.IsAbs(), base)
			}
		})
	}
}

func TestSemanticVersion(t *testing.T) {
	tests := []struct{ in, want string }{
		{"v1.4.0", "1.4.0"},
		{"1.4.0-rc.1+build.5", "1.4.0-rc.1+build.5"},
		{"(devel)", ""},
		{"dev", ""},
		{"v1.4", ""},
		{"01.2.3", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := semanticVersion(tt.in); got != tt.want {
				t.Errorf("semanticVersion(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCamelCase(t *testing.T) {
	tests := []struct{ in, want string }{
		{"S3.ENCRYPTION.AT-REST", "S3EncryptionAtRest"},
		{"template/unknown-property", "TemplateUnknownProperty"},
		{"Log groups keep records ≥ 365 days", "LogGroupsKeepRecords365Days"},
		{"données_chiffrées", "DonnéesChiffrées"},
		{"--", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := camelCase(tt.in); got != tt.want {
				t.Errorf("camelCase(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCodeSpan(t *testing.T) {
	tests := []struct{ in, want string }{
		{"nist-800-53:SC-28", "`nist-800-53:SC-28`"},
		{"a`b", "``a`b``"},
		{"`edge`", "`` `edge` ``"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := codeSpan(tt.in); got != tt.want {
				t.Errorf("codeSpan(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
