//go:build syntx_java

package capture

import "testing"

// TestJavaGeneratedAnnotation: Java's marker is an annotation, which opens
// its line; the same word in a string is no marker.
func TestJavaGeneratedAnnotation(t *testing.T) {
	t.Parallel()
	wantRoles(t, map[string]string{
		"package x;\n\n@Generated(\"protoc\")\npublic class X {}\n":   "generated",
		"/*\n * DO NOT EDIT: written by the build\n */\nclass X {}\n": "generated",
		"class X {\n  String s = \"@Generated\";\n}\n":                "",
		"class X {\n  String s = \"// DO NOT EDIT\";\n}\n":            "",
	}, "/w/X.java")
}
