#!/usr/bin/env python3
"""Runs a command on a terminal of its own, as a user at a terminal would, and drives it.

    pty-drive.py [--rows R --cols C] STEP... -- CMD [ARG...]

CMD runs as the leader of a new session whose controlling terminal is the slave of a fresh
pty ("the caller's terminal"); this program holds the master. The steps, in order:

    expect:TEXT    wait until the output since the last expect contains TEXT
    send:TEXT      type TEXT (Python escapes: \\x1d is ^])
    resize:R,C     set the terminal's window size (the kernel sends SIGWINCH)
    scan           print "shared: PID COMM" for every process other than CMD that is in CMD's
                   session or has the caller's terminal as its controlling terminal
    wait           wait for CMD to end; print "exit: N"
    leftover       print "leftover: " and what is queued as input on the caller's terminal
    sh:COMMAND     run COMMAND with /bin/sh -c (its output goes to this program's stdout)
    modes          print "modes: same" if the terminal's modes are those it had at the start
    caller         print "caller: MAJ:MIN", the device of the caller's terminal

Prints "output: " and everything CMD wrote at the end. Every wait is bounded (30 s): on a
timeout it prints what it waited for and the output, and exits 3.
"""
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time

TIMEOUT = 30.0


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    args = sys.argv[1:]
    rows, cols = 24, 80
    while args and args[0] in ("--rows", "--cols"):
        if args[0] == "--rows":
            rows = int(args[1])
        else:
            cols = int(args[1])
        args = args[2:]
    split = args.index("--")
    steps, cmd = args[:split], args[split + 1:]

    master, slave = pty.openpty()
    spare = None
    if os.minor(os.fstat(slave).st_rdev) == 0:
        # the pod's own pty is number 0 of its devpts instance: keep ours apart by number, so
        # that "scan" (which sees device numbers only) cannot mistake one for the other
        spare = (master, slave)
        master, slave = pty.openpty()
    set_size(slave, rows, cols)
    initial = termios.tcgetattr(slave)
    slave_name = os.ttyname(slave)
    tty_rdev = os.stat(slave_name).st_rdev
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fd = os.open(slave_name, os.O_RDWR)  # the first terminal opened: controlling
        for i in range(3):
            os.dup2(fd, i)
        os.closerange(3, 1 << 16)
        os.execvp(cmd[0], cmd)

    out = bytearray()
    mark = 0
    status = None

    def pump(timeout):
        nonlocal status
        r, _, _ = select.select([master], [], [], timeout)
        if r:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            out.extend(data)
        if status is None:
            wpid, ws = os.waitpid(pid, os.WNOHANG)
            if wpid == pid:
                status = os.waitstatus_to_exitcode(ws)

    def give_up(what):
        print("timeout waiting for %s" % what)
        print("output: %r" % bytes(out))
        sys.exit(3)

    for step in steps:
        verb, _, arg = step.partition(":")
        text = arg.encode().decode("unicode_escape").encode("latin-1")
        if verb == "expect":
            end = time.monotonic() + TIMEOUT
            while text not in out[mark:]:
                if time.monotonic() > end:
                    give_up(repr(text))
                if status is not None:
                    pump(0.1)
                    if text not in out[mark:]:
                        give_up("%r (the command ended with %d)" % (text, status))
                    break
                pump(0.2)
            mark = out.index(text, mark) + len(text)
        elif verb == "send":
            os.write(master, text)
        elif verb == "resize":
            r, c = arg.split(",")
            set_size(master, int(r), int(c))
        elif verb == "scan":
            for p in os.listdir("/proc"):
                if not p.isdigit() or int(p) == pid:
                    continue
                try:
                    with open("/proc/%s/stat" % p) as f:
                        st = f.read()
                except OSError:
                    continue
                comm = st[st.index("(") + 1:st.rindex(")")]
                fields = st[st.rindex(")") + 2:].split()
                session, tty_nr = int(fields[3]), int(fields[4])
                if session == pid or tty_nr == tty_rdev:
                    print("shared: %s %s" % (p, comm))
        elif verb == "wait":
            end = time.monotonic() + TIMEOUT
            while status is None:
                if time.monotonic() > end:
                    give_up("the command to end")
                pump(0.2)
            pump(0)
            print("exit: %d" % status)
        elif verb == "leftover":
            mode = termios.tcgetattr(slave)
            mode[3] &= ~termios.ICANON
            mode[6][termios.VMIN] = 0
            mode[6][termios.VTIME] = 0
            termios.tcsetattr(slave, termios.TCSANOW, mode)
            try:
                left = os.read(slave, 4096)
            except OSError:
                left = b""
            termios.tcsetattr(slave, termios.TCSANOW, initial)
            print("leftover: %r" % left)
        elif verb == "sh":
            import subprocess
            subprocess.run(["/bin/sh", "-c", arg], check=False, timeout=TIMEOUT)
        elif verb == "caller":
            print("caller: %d:%d" % (os.major(tty_rdev), os.minor(tty_rdev)))
        elif verb == "modes":
            print("modes: %s" % ("same" if termios.tcgetattr(slave) == initial else "changed"))
        else:
            print("unknown step %r" % step)
            sys.exit(2)
    print("output: %r" % bytes(out))
    del spare


if __name__ == "__main__":
    main()
