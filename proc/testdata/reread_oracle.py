#!/usr/bin/python3
"""What `supervisorctl reread` + `update` would do, by Debian's supervisor.

    reread_oracle.py HOSTNAME CURRENT.conf NEW.conf

Reads both files with supervisor.options.ServerOptions().realize(), as
supervisord reads its file, and prints supervisord.py diff_to_active()'s
answer for supervisord running CURRENT when NEW is reread:
{"added": [...], "changed": [...], "removed": [...]} (group names, in
supervisor's order), or {"error": "..."} when either file is rejected.
Every user name maps to uid 1000 and every directory exists, so that the
comparison is of the settings alone.
"""
import json
import platform
import sys
import warnings

warnings.filterwarnings('ignore')

HOSTNAME, CURRENT, NEW = sys.argv[1:4]
platform.node = lambda: HOSTNAME

from supervisor import datatypes, options  # noqa: E402

for mod in (datatypes, options):
    for attr, fn in (('name_to_uid', lambda name: 0 if str(name) in ('root', '0') else 1000),
                     ('name_to_gid', lambda name: 1000),
                     ('gid_for_uid', lambda uid: uid),
                     ('existing_directory', lambda v: v),
                     ('existing_dirpath', lambda v: v)):
        if hasattr(mod, attr):
            setattr(mod, attr, fn)


def groups(path):
    o = options.ServerOptions()
    o.realize(['-c', path])
    return o.process_group_configs


try:
    cur, new = groups(CURRENT), groups(NEW)
except BaseException as e:  # realize() calls usage(), which exits
    print(json.dumps({"error": str(e)}))
    sys.exit(0)

# supervisord.py Supervisor.diff_to_active
curdict = {c.name: c for c in cur}
newdict = {c.name: c for c in new}
print(json.dumps({
    "added": [c.name for c in new if c.name not in curdict],
    "changed": [c.name for c in new if c != curdict.get(c.name, c)],
    "removed": [c.name for c in cur if c.name not in newdict],
}))
