package main

import "path/filepath"

// nginxConf serves the hello bytes (return 200 sends them with
// default_type's Content-Type) from 2 workers sharing one socket, with no
// access log, as nginx is shipped. keepalive_requests is raised from 1000
// so that, like every other server here, nginx never closes a keep-alive
// connection under load on its own.
const nginxConf = `daemon off;
worker_processes 2;
pid nginx.pid;
error_log stderr warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:` + portVar + `;
        location / {
            default_type text/plain;
            return 200 "Hello, World!\n";
        }
    }
}
`

// nginxSpec is nginx in the foreground with nginxConf, its prefix (and so
// its pid file and temporary directories) in the scratch directory.
func nginxSpec(t tools) serverSpec {
	return serverSpec{
		name:  "nginx",
		path:  t.nginx,
		args:  []string{"-p", t.dir, "-c", filepath.Join(t.dir, "nginx.conf"), "-e", "stderr"},
		dir:   t.dir,
		files: map[string]string{"nginx.conf": nginxConf},
		port:  true,
	}
}

// findNginx returns nginx's path, or why the nginx case is skipped.
func findNginx() (string, error) {
	return lookPath("nginx", "nginx")
}
