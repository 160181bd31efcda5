#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""qemu-run.py: boot a KHO test kernel under QEMU and follow the guest's /init (guest-init.sh).

The guest drives the scenario and says on the console what it needs (lines "@@KI ..."):
this driver saves what it ships (tar archives of outputs and debugfs copies), takes memory
dumps when asked (ELF with dump-guest-memory, kdump with dump-guest-memory -z then
makedumpfile -R), answers "go", and freezes the machine on "kexec_core: Starting new kernel"
to dump the hand-over the old kernel left for the next one.

usage: qemu-run.py --arch x86_64|arm64 --kernel IMG --initrd CPIO --append CMDLINE --out DIR
                   [--mem 1G] [--smp 1] [--accel auto|kvm|tcg] [--no-kdump] [--timeout S]
Exit 0 when the guest said "@@KI done", 2 otherwise.  Prints one line per event.
"""
import argparse, base64, io, os, re, socket, subprocess, sys, tarfile, threading, time

ap = argparse.ArgumentParser()
ap.add_argument('--arch', required=True, choices=['x86_64', 'arm64'])
ap.add_argument('--kernel', required=True)
ap.add_argument('--initrd', required=True)
ap.add_argument('--append', required=True)
ap.add_argument('--out', required=True)
ap.add_argument('--mem', default='1G')
ap.add_argument('--smp', default='1')
ap.add_argument('--accel', default=os.environ.get('KI_QEMU_ACCEL', 'auto'))
ap.add_argument('--no-kdump', action='store_true')
ap.add_argument('--timeout', type=float, default=900, help='seconds the guest may stay silent')
args = ap.parse_args()

T0 = time.time()
def say(msg):
    print(f'[{time.time() - T0:6.1f}s] {msg}', flush=True)

os.makedirs(args.out, exist_ok=True)
ser_path = os.path.join(args.out, 'serial.sock')
mon_path = os.path.join(args.out, 'monitor.sock')


def qemu_cmd(accel):
    if args.arch == 'x86_64':
        cmd = ['qemu-system-x86_64']
        cmd += ['-accel', 'kvm', '-cpu', 'host'] if accel == 'kvm' else ['-accel', 'tcg']
    else:
        cmd = ['qemu-system-aarch64', '-M', 'virt', '-cpu', 'max,pauth-impdef=on', '-accel', 'tcg']
    return cmd + ['-m', args.mem, '-smp', args.smp, '-display', 'none', '-no-reboot',
                  '-kernel', args.kernel, '-initrd', args.initrd, '-append', args.append,
                  '-chardev', f'socket,id=con,path={ser_path},server=on,wait=on',
                  '-serial', 'chardev:con', '-monitor', f'unix:{mon_path},server=on,wait=off']


class Guest:
    def __init__(self, accel):
        for p in (ser_path, mon_path):
            if os.path.exists(p):
                os.unlink(p)
        self.accel = accel
        cmd = qemu_cmd(accel)
        say('qemu: ' + ' '.join(f"'{a}'" if ' ' in a else a for a in cmd))
        self.log = open(os.path.join(args.out, f'qemu-{accel}.log'), 'w')
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(200):
            if os.path.exists(ser_path) or self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.ser = socket.socket(socket.AF_UNIX)
        self.ser.connect(ser_path)
        self.lines = []
        self.cond = threading.Condition()
        self.closed = False
        self.console = open(os.path.join(args.out, 'console.log'), 'ab')
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        pending = b''
        while True:
            try:
                d = self.ser.recv(65536)
            except OSError:
                d = b''
            if not d:
                with self.cond:
                    self.closed = True
                    self.cond.notify_all()
                return
            self.console.write(d)
            self.console.flush()
            pending += d
            *done, pending = pending.split(b'\n')
            with self.cond:
                self.lines.extend(l.rstrip(b'\r').decode('utf-8', 'replace') for l in done)
                self.cond.notify_all()

    def next_line(self, timeout):
        with self.cond:
            end = time.time() + timeout
            while not self.lines:
                if self.closed or self.proc.poll() is not None:
                    return None
                left = end - time.time()
                if left <= 0:
                    raise TimeoutError
                self.cond.wait(min(left, 1))
            return self.lines.pop(0)

    def send(self, text):
        self.ser.sendall(text.encode())

    def monitor(self, command, timeout=900):
        s = socket.socket(socket.AF_UNIX)
        s.connect(mon_path)
        s.settimeout(timeout)
        data = b''
        while b'(qemu)' not in data:
            data += s.recv(4096)
        s.sendall(command.encode() + b'\n')
        data = b''
        # the monitor echoes the command, then prints its output and the next prompt
        while data.count(b'(qemu)') < 1:
            d = s.recv(4096)
            if not d:
                break
            data += d
        s.close()
        # the monitor redraws its line as it echoes the command: keep what follows the echo
        text = re.sub(r'\x1b\[[0-9;]*[A-Za-z]', '', data.decode('utf-8', 'replace'))
        text = text.split('\n', 1)[1] if '\n' in text else ''
        text = text.replace('(qemu)', '').strip()
        if text:
            say(f'monitor {command!r}: {text[:300]}')
        return text

    def quit(self):
        try:
            self.monitor('quit', timeout=10)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def dump(g, name):
    t = time.time()
    elf = os.path.join(args.out, name + '.elf')
    g.monitor(f'dump-guest-memory {elf}')
    made = [elf]
    if not args.no_kdump:
        flat = os.path.join(args.out, name + '.kdump.flat')
        kd = os.path.join(args.out, name + '.kdump')
        g.monitor(f'dump-guest-memory -z {flat}')
        if os.path.exists(kd):
            os.unlink(kd)
        with open(flat, 'rb') as f:
            r = subprocess.run(['makedumpfile', '-R', kd], stdin=f, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
        if r.returncode:
            say(f'makedumpfile -R {kd} failed: {r.stdout.decode(errors="replace")[-300:]}')
        else:
            os.unlink(flat)
            made.append(kd)
    sizes = ', '.join(f'{os.path.basename(p)} {os.path.getsize(p) >> 20} MiB' for p in made)
    say(f'dump {name}: {sizes} in {time.time() - t:.1f}s')


def boot(accel, first_timeout):
    g = Guest(accel)
    while True:
        try:
            line = g.next_line(first_timeout)
        except TimeoutError:
            say(f'no boot under {accel} within {first_timeout:.0f}s')
            g.proc.kill(); g.proc.wait()
            return None
        if line is None:
            say(f'qemu ({accel}) exited with {g.proc.wait()} before the guest booted; see qemu-{accel}.log')
            return None
        if line.startswith('@@KI booted'):
            say(f'booted under {accel}: {line[5:]}')
            return g


def main():
    accel = args.accel
    g = None
    if args.arch == 'x86_64' and accel in ('auto', 'kvm') and os.access('/dev/kvm', os.R_OK | os.W_OK):
        g = boot('kvm', 60)
        if g is None and accel == 'kvm':
            return 2
    if g is None:
        g = boot('tcg', args.timeout)
    if g is None:
        return 2
    kexecs = 0
    armed = False
    ok = False
    try:
        while True:
            line = g.next_line(args.timeout)
            if line is None:
                say('the guest went away without saying "@@KI done"')
                break
            if line.startswith('@@KI tar ') and line.endswith(' begin'):
                name = line.split()[2]
                body = []
                while True:
                    l = g.next_line(args.timeout)
                    if l is None or l == f'@@KI tar {name} end':
                        break
                    body.append(l)
                raw = base64.b64decode(''.join(body))
                dest = os.path.join(args.out, 'guest')
                os.makedirs(dest, exist_ok=True)
                with tarfile.open(fileobj=io.BytesIO(raw), mode='r:gz') as tf:
                    tf.extractall(dest)
                say(f'guest shipped {name} ({len(raw)} bytes) to guest/{name}/')
            elif line.startswith('@@KI dump '):
                dump(g, line.split()[2])
                g.send('go\n')
            elif line.startswith('@@KI kexec '):
                say(f'guest runs kexec -e (generation {line.split()[2]})')
                armed = True
            elif armed and 'kexec_core: Starting new kernel' in line:
                armed = False
                kexecs += 1
                g.monitor('stop')
                say('the old kernel jumps: machine stopped')
                dump(g, 'handover' if kexecs == 1 else f'handover{kexecs}')
                g.monitor('cont')
            elif line.startswith('@@KI booted'):
                say(f'booted: {line[5:]}')
            elif line.startswith('@@KI done'):
                say('guest done')
                ok = True
                break
            elif line.startswith('@@KI '):
                say(f'guest: {line[5:]}')
    except TimeoutError:
        say(f'the guest was silent for {args.timeout:.0f}s')
    finally:
        g.quit()
    say(f'kexecs seen: {kexecs}')
    return 0 if ok else 2


sys.exit(main())
