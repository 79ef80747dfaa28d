#!/usr/bin/python3
"""How Debian's supervisor reads a config, as JSON in gosinit's shape.

    supervisor_oracle.py HOSTNAME CONFIG [SUPERVISORD-FLAGS...]

Runs supervisor.options.ServerOptions().realize(['-c', CONFIG, FLAGS...]), the call
supervisord's main() makes before it starts anything, and prints
{"supervisord": {...}, "groups": [...], "eventlisteners": [...],
"fcgi_programs": [...]} with the names and representations of `gosinit check
--json`, or {"error": "..."} when supervisor rejects the file. [program:x] and
[group:x] groups are printed under "groups", [eventlistener:x] pools under
"eventlisteners" (their "events" sorted: supervisor keeps a set),
[fcgi-program:x] groups under "fcgi_programs" with their socket's URL,
backlog and (unix) mode; socket_owner is not printed (supervisor keeps it
resolved to ids).

The environment and the working directory are the caller's; HOSTNAME stands
in for platform.node(). Machine checks are not made (config_test.go's
differential test compares the model; CheckHost is tested separately):
every user exists and is reported as written, every directory exists.
"""
import json
import os
import platform
import signal
import sys
import warnings

warnings.filterwarnings('ignore')

HOSTNAME, CONFIG, FLAGS = sys.argv[1], sys.argv[2], sys.argv[3:]
platform.node = lambda: HOSTNAME

from supervisor import datatypes, events, options  # noqa: E402

_names = {}


def _uid(name):
    uid = 100000 + len(_names)
    _names.setdefault(str(name), uid)
    return _names[str(name)]


def _expanded(v):
    return os.path.expanduser(v)


for mod in (datatypes, options):
    for attr, fn in (('name_to_uid', _uid), ('name_to_gid', _uid),
                     ('gid_for_uid', lambda uid: uid),
                     ('existing_directory', _expanded),
                     ('existing_dirpath', _expanded)):
        if hasattr(mod, attr):
            setattr(mod, attr, fn)


class Rejected(Exception):
    pass


def user_of(uid):
    if uid is None:
        return None
    for name, u in _names.items():
        if u == uid:
            return name
    return str(uid)


def logfile(v):
    if v is datatypes.Automatic:
        return 'AUTO'
    return v


def autorestart(v):
    if v is datatypes.RestartUnconditionally:
        return 'true'
    if v is datatypes.RestartWhenExitUnexpected:
        return 'unexpected'
    return 'false'


def signame(n):
    try:
        return signal.Signals(n).name[3:]
    except ValueError:
        return str(n)


LEVELS = {50: 'critical', 40: 'error', 30: 'warn', 20: 'info', 10: 'debug',
          5: 'trace', 3: 'blather'}


def main():
    o = options.ServerOptions()

    def usage(msg):
        raise Rejected(str(msg))
    o.usage = usage
    try:
        o.realize(args=['-c', CONFIG] + FLAGS)
    except Rejected as e:
        return {'error': str(e)}
    except Exception as e:  # supervisord would die with a traceback
        return {'error': '%s: %s' % (type(e).__name__, e)}
    sec = o.configroot.supervisord
    out = {'supervisord': {
        'logfile': o.logfile,
        'logfile_maxbytes': o.logfile_maxbytes,
        'logfile_backups': o.logfile_backups,
        'loglevel': LEVELS.get(o.loglevel, o.loglevel),
        'pidfile': o.pidfile,
        'nodaemon': bool(o.nodaemon),
        'minfds': o.minfds,
        'minprocs': o.minprocs,
        'umask': format(o.umask, '03o'),
        'user': o.user,
        'directory': o.directory,
        'environment': dict(sec.environment),
        'identifier': o.identifier,
        'childlogdir': o.childlogdir,
        'nocleanup': bool(o.nocleanup),
        'strip_ansi': bool(o.strip_ansi),
        'silent': bool(o.silent),
    }, 'groups': [], 'eventlisteners': [], 'fcgi_programs': []}
    for g in o.process_group_configs:
        procs = []
        for pc in g.process_configs:
            procs.append({
                'name': pc.name,
                'group': g.name,
                'command': pc.command,
                'priority': pc.priority,
                'autostart': pc.autostart,
                'autorestart': autorestart(pc.autorestart),
                'startsecs': pc.startsecs,
                'startretries': pc.startretries,
                'exitcodes': list(pc.exitcodes),
                'stopsignal': signame(pc.stopsignal),
                'stopwaitsecs': pc.stopwaitsecs,
                'stopasgroup': pc.stopasgroup,
                'killasgroup': pc.killasgroup,
                'user': user_of(pc.uid),
                'directory': pc.directory,
                'umask': None if pc.umask is None else format(pc.umask, '03o'),
                'redirect_stderr': pc.redirect_stderr,
                'stdout_logfile': logfile(pc.stdout_logfile),
                'stdout_logfile_maxbytes': pc.stdout_logfile_maxbytes,
                'stdout_logfile_backups': pc.stdout_logfile_backups,
                'stderr_logfile': logfile(pc.stderr_logfile),
                'stderr_logfile_maxbytes': pc.stderr_logfile_maxbytes,
                'stderr_logfile_backups': pc.stderr_logfile_backups,
                'environment': dict(pc.environment or {}),
            })
        group = {'name': g.name, 'priority': g.priority, 'processes': procs}
        if isinstance(g, options.EventListenerPoolConfig):
            group['events'] = sorted(events.getEventNameByType(e)
                                     for e in g.pool_events)
            group['buffer_size'] = g.buffer_size
            group['result_handler'] = '%s:%s' % (g.result_handler.__module__,
                                                 g.result_handler.__name__)
            out['eventlisteners'].append(group)
        elif isinstance(g, options.FastCGIGroupConfig):
            sc = g.socket_config
            group['socket'] = str(sc)
            group['socket_backlog'] = sc.get_backlog()
            if sc.url.startswith('unix://'):
                group['socket_mode'] = format(sc.get_mode(), '03o')
            out['fcgi_programs'].append(group)
        else:
            out['groups'].append(group)
    return out


if __name__ == '__main__':
    json.dump(main(), sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write('\n')
