"""JupyterHub for one machine's class (copied to /srv/<name>/ by hub/setup.py; its values come
from settings.json beside it). PAM logins with the local accounts, each user's server started
as that user by the local process spawner, everything on 127.0.0.1."""
import json
import os

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "settings.json")) as f:
    s = json.load(f)

# The public side (the proxy) and the hub's own API, on the loopback only: in front of it belongs
# a web server with HTTPS (README, "Teaching on JupyterHub").
c.JupyterHub.bind_url = f"http://127.0.0.1:{s['port']}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{s['api_port']}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [s["proxy"]]
c.ConfigurableHTTPProxy.pid_file = os.path.join(here, "proxy.pid")
c.JupyterHub.pid_file = os.path.join(here, "jupyterhub.pid")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(here, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(here, "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True          # stopping the hub stops every user's server
c.JupyterHub.cleanup_proxy = True

c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(s["users"])
c.Authenticator.admin_users = {s["instructor"]}

c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [os.path.join(s["env"], "bin", "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.ip = "127.0.0.1"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    "PATH": os.pathsep.join([os.path.join(s["env"], "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
    "TF_CPP_MIN_LOG_LEVEL": "3",
}


def instructor_server(spawner):
    """The instructor's server runs in the course directory: the formgrader reads the
    nbgrader_config.py of its working directory (not of the notebook directory), and the course
    directory's code is imported before the environment's copy."""
    if spawner.user.name == s["instructor"]:
        spawner.notebook_dir = s["course_dir"]
        spawner.environment["PYTHONPATH"] = s["course_dir"]
        spawner.cmd = ["/bin/sh", "-c", 'cd "$COURSE_DIR" && exec "$0" "$@"',
                       os.path.join(s["env"], "bin", "jupyterhub-singleuser")]
        spawner.environment["COURSE_DIR"] = s["course_dir"]


c.Spawner.pre_spawn_hook = instructor_server
