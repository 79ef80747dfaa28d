#!/bin/sh
# A stand-in application: says hello, leaves an orphan behind for PID 1 to
# reap, and exits cleanly on SIGTERM.
echo "app: started as pid $$"
(sleep 4 &)   # the subshell exits at once; its sleep is reparented to gosinit
trap 'echo "app: SIGTERM, exiting"; exit 0' TERM
while :; do sleep 1 & wait $!; done
