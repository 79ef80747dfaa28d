// Package docker holds gosinit's container examples (multi/, single/, k8s/,
// gosinit.service) and the tests that run them in a real Docker engine.
//
// The engine tests are the only place where gosinit meets what it is for: a
// container runtime that makes it PID 1, sends it SIGTERM on `docker stop`
// and SIGKILL a grace period later, runs `docker exec` probes next to it, and
// mounts its root read-only or runs it as an arbitrary uid. Unit tests in the
// other packages fake none of that convincingly, so here nothing is faked.
//
// They are opt-in: `GOSINIT_ENGINE_TESTS=1 go test ./docker/` with
// DOCKER_HOST pointing at an engine that has the local base images of
// ../shared/tools/docker-engine.sh (there is no registry: every FROM is
// scratch or a local tag). docker/engine-test.sh does all of it and is what
// .ci/run calls. Without the switch or without an engine they skip, saying
// why. The package has no non-test code: this file is its documentation.
package docker
