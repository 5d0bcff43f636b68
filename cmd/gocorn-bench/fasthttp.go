package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// fasthttpModule is where the fasthttp prefork program's own module sits
// in the gocorn repository.
const fasthttpModule = "cmd/gocorn-bench/fasthttpprefork"

// fasthttpSpec is fasthttp's prefork with 2 children, each binding the
// port the tool chose with SO_REUSEPORT.
func fasthttpSpec(t tools) serverSpec {
	return serverSpec{
		name: "fasthttp",
		path: t.fasthttp,
		args: []string{"-addr", "127.0.0.1:" + portVar, "-children", "2"},
		dir:  t.dir,
		port: true,
	}
}

// buildFasthttp builds the fasthttp prefork program from its module in
// the gocorn checkout this tool runs in, into dir. The module pins
// fasthttp, which go build fetches from the module proxy on first use.
func buildFasthttp(ctx context.Context, dir string, progress io.Writer) (string, error) {
	src, err := fasthttpSource(ctx)
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "fasthttpprefork")
	fmt.Fprintf(progress, "gocorn-bench: building %s into %s\n", fasthttpModule, out)
	if err := goBuild(ctx, src, out, "."); err != nil {
		return "", err
	}
	return out, nil
}

// fasthttpSource finds the fasthttp program's module from the main
// module's go.mod, as go env reports it for the current directory.
func fasthttpSource(ctx context.Context) (string, error) {
	b, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(b))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", errors.New("the fasthttp program is built from the gocorn checkout, and this directory is not inside one")
	}
	src := filepath.Join(filepath.Dir(gomod), fasthttpModule)
	if _, err := os.Stat(filepath.Join(src, "go.mod")); err != nil {
		return "", fmt.Errorf("the fasthttp program's module is not where it should be: %v", err)
	}
	return src, nil
}
