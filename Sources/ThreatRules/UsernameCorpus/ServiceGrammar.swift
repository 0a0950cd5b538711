// Service and default accounts: one of the username-field corpus generators (UsernameCorpus.swift).

enum ServiceGrammar {
    /// Generic system, database, middleware, cloud-image and device account names: common
    /// knowledge of operating systems and software, written for the project.
    static let accounts: [String] = [
        // Unix and Linux system accounts
        "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data",
        "backup", "list", "irc", "gnats", "nobody", "systemd-network", "systemd-resolve", "systemd-timesync",
        "messagebus", "syslog", "sshd", "ntp", "chrony", "dbus", "avahi", "polkitd", "rpc", "rpcuser", "nfsnobody",
        "halt", "shutdown", "operator", "adm", "ftp", "tss", "dnsmasq", "postfix", "dovecot", "exim", "smmsp",
        "mailnull", "named", "bind", "squid", "haproxy", "apache", "httpd", "nginx", "lighttpd", "tomcat", "jetty",
        "wildfly", "jboss", "weblogic", "websphere", "glassfish", "www", "web", "webadmin", "webmaster", "hostmaster",
        "postmaster", "abuse", "noc", "security",
        // databases
        "postgres", "postgresql", "mysql", "mariadb", "oracle", "mssql", "sqlserver", "sa", "db2inst1", "db2fenc1",
        "db2admin", "informix", "sybase", "mongodb", "mongo", "redis", "memcache", "cassandra", "couchdb", "neo4j",
        "influxdb", "elastic", "elasticsearch", "kibana", "logstash", "solr", "hbase", "hadoop", "hdfs", "hive",
        "spark", "kafka", "zookeeper", "rabbitmq", "activemq", "dba", "dbadmin", "dbuser", "dbo", "sysdba",
        "SYS", "SYSTEM", "DBSNMP", "OUTLN", "SCOTT", "XDB", "MDSYS", "CTXSYS", "ORDSYS", "APEX_PUBLIC_USER",
        // operations, CI and cloud images
        "jenkins", "gitlab", "gitlab-runner", "git", "svn", "hudson", "bamboo", "teamcity", "ansible", "puppet",
        "chef", "salt", "vagrant", "terraform", "docker", "kube", "k8s", "nagios", "zabbix", "icinga", "prometheus",
        "grafana", "splunk", "graylog", "sonar", "nexus", "artifactory", "ubuntu", "debian", "centos", "fedora",
        "ec2-user", "azureuser", "admin", "administrator", "Administrator", "ADMIN", "pi", "vagrant", "core",
        "cloud-user", "opc", "bitnami", "openshift",
        // Windows
        "Guest", "DefaultAccount", "WDAGUtilityAccount", "krbtgt", "IUSR", "ASPNET", "LOCAL SERVICE",
        "NETWORK SERVICE", "NT AUTHORITY\\SYSTEM", "SYSTEM", "HomeGroupUser$", "MSSQLSERVER", "SQLAgent",
        // roles and defaults on appliances, applications and devices
        "guest", "test", "tester", "testuser", "demo", "user", "default", "public", "anonymous", "support",
        "service", "services", "manager", "supervisor", "superuser", "super", "sysadmin", "sysadm", "sysop",
        "netadmin", "netman", "network", "monitor", "readonly", "readwrite", "ro", "rw", "field", "maint",
        "maintenance", "tech", "technician", "engineer", "install", "installer", "setup", "debug", "diag", "factory",
        "console", "remote", "telnet", "ssh", "snmp", "cisco", "enable", "config", "master", "owner", "helpdesk",
        "auditor", "audit", "backupuser", "restore", "replication", "repl", "replicator", "deploy", "deployer",
        "release", "build", "builder", "ci", "cd", "bot", "robot", "automation", "scheduler", "batch", "cron",
        "agent", "daemon", "nobody", "nologin", "noreply", "system", "root", "toor", "admin1", "admin2", "user1",
        "test1", "test2", "guest1", "operator1", "sa1", "ftpuser", "ftpadmin", "sftp", "upload", "uploader",
        "mailer", "smtp", "pop", "imap", "ldap", "radius", "vpn", "proxyuser", "print", "printer", "scanner",
        "camera", "voip", "sip", "pbx", "asterisk", "freeswitch", "ups", "router", "switch", "firewall", "wifi",
    ]

    /// Functions, departments and system words that shared and device accounts are named after.
    static let functionWords: [String] = wordList("""
        accounting accounts finance sales marketing reception frontdesk client customer customers device devices
        viewer browser reader writer editor author tutor library status info information help login logon init boot
        startup recover restore update upgrade patch mount umount format poll trace locate query report reports
        fax modem dialup telecom tele conference conferencing meeting lobby kiosk display signage voicemail
        attendant owner demos games visitor trial eval training trainer internal external partner vendor contractor
        intern staff employee member users everyone world unix linux dos netware mainframe host terminal station
        workstation desktop laptop tablet gateway bridge router switch hub controller sensor meter panel plc scada
        hmi historian engineering production warehouse shipping receiving inventory purchasing payroll billing
        archive archiver cluster node master slave primary secondary standby replica mirror relay spooler printer
        operations ops support desk servicedesk oncall nightshift dayshift shift lab classroom student faculty
        """)

    /// Application and infrastructure words for generated service accounts.
    static let apps: [String] = [
        "web", "api", "app", "db", "sql", "mail", "smtp", "backup", "bkp", "batch", "etl", "report", "reports",
        "billing", "payroll", "crm", "erp", "hr", "sap", "ldap", "ad", "dns", "dhcp", "proxy", "cache", "queue",
        "kafka", "mq", "worker", "cron", "sched", "scheduler", "monitor", "mon", "metrics", "log", "logs", "audit",
        "scan", "scanner", "sync", "repl", "ftp", "sftp", "files", "share", "print", "voip", "pbx", "cam", "nvr",
        "ups", "fw", "vpn", "wifi", "iot", "ci", "cd", "build", "deploy", "release", "jenkins", "git", "nexus",
        "sonar", "jira", "wiki", "confluence", "exchange", "sharepoint", "sccm", "wsus", "veeam", "vmware", "esx",
        "vcenter", "hyperv", "k8s", "docker", "registry", "vault", "consul", "nomad", "airflow", "spark", "hadoop",
        "elastic", "search", "index", "ml", "ai", "data", "dw", "bi", "tableau", "powerbi", "oracle", "pg", "mysql",
        "mongo", "redis", "rabbit", "nginx", "iis", "tomcat", "portal", "intranet", "extranet", "shop", "pay",
        "auth", "sso", "idp", "oauth", "saml", "mfa", "pki", "ca", "cert", "ntp", "snmp", "syslog", "siem", "edr",
        "av", "patch", "inventory", "asset", "helpdesk", "ticket", "crmsync", "adsync", "aad", "o365", "gsuite",
    ]
    static let envs: [String] = ["prod", "prd", "dev", "test", "tst", "qa", "uat", "stg", "stage", "staging", "dr", "int", "lab", "sandbox"]
    static let roles: [String] = ["admin", "adm", "user", "usr", "svc", "srv", "service", "sys", "ops", "op", "mgr",
                                  "manager", "agent", "bot", "runner", "reader", "writer", "ro", "rw", "owner", "dba",
                                  "maint", "backup", "sync", "deploy", "monitor", "api", "app", "sa", "root", "oper"]

    static func generated(_ random: inout CorpusRandom) -> String {
        let app = random.pick(apps), env = random.pick(envs), role = random.pick(roles)
        let num = random.weighted([(2.0, ""), (1.0, TextShape.twoDigit(random.int(in: 1...20))), (0.6, String(random.int(in: 1...9))), (0.3, "0\(TextShape.twoDigit(random.int(in: 1...20)))")])
        let sep = random.weighted([(3.0, "_"), (3.0, "-"), (1.0, "."), (1.5, "")])
        switch random.weighted([
            (5.0, 0), (3.0, 1), (3.0, 2), (2.0, 3), (2.0, 4), (2.0, 5), (1.5, 6), (1.0, 7), (1.0, 8), (1.0, 9), (1.5, 10), (0.8, 11),
        ]) {
        case 0: return "svc\(sep)\(app)\(num.isEmpty ? "" : sep + num)" // svc_backup, svc-app-01
        case 1: return "\(app)\(sep)svc\(num)" // backup_svc
        case 2: return "\(app)\(sep)\(role)\(num)" // web_admin, jenkins-runner
        case 3: return "\(app)\(role)\(num)" // webadmin, dbuser1
        case 4: return "\(random.pick(["svc", "srv", "sa", "app", "sys", "bot", "ci", "svc"]))\(sep)\(app)\(sep)\(env)\(num.isEmpty ? "" : sep + num)"
        case 5: return "\(app)\(sep)\(env)\(num.isEmpty ? "" : sep + num)" // api-prod-01
        case 6: return "\(role)\(sep)\(app)" // admin_web
        case 7: return "\(app)\(num.isEmpty ? String(random.int(in: 1...9)) : num)\(random.chance(0.5) ? "$" : "")" // machine account
        case 8: return "\(random.pick(["NT SERVICE\\", "NT AUTHORITY\\", "IIS APPPOOL\\", "", "corp\\", "CORP\\"]))\(random.chance(0.5) ? app.uppercased() : TextShape.capitalized(app))\(random.pick(["Service", "Svc", "Agent", "Pool", "$", ""]))"
        case 9: return "\(app)\(random.pick(["", "-", "_"]))\(random.pick(["daemon", "service", "server", "bot", "agent", "worker", "account"]))"
        case 10:
            // Legacy uppercase system accounts: short mnemonic + SYS/ADM/OPR/…
            let stem = String(app.uppercased().prefix(random.int(in: 2...6)))
            let tail = random.pick(["SYS", "ADM", "ADMIN", "OPR", "OPER", "USER", "MGR", "DBA", "SVC", "SRV", "MAINT", "SEC", "SUP", "PGM", "1", "01", "_ADMIN", "_USER", "_SYS", ""])
            return random.chance(0.2) ? "\(tail.replacingUnderscore())\(stem)" : "\(stem)\(tail)"
        default: return "\(app)\(sep)\(random.pick(["ro", "rw", "read", "write", "etl", "sync", "loader", "reader"]))"
        }
    }

    static func service(_ random: inout CorpusRandom) -> String {
        switch random.weighted([(5.0, 0), (5.0, 1), (0.8, 2), (0.8, 3), (0.6, 4), (0.8, 5), (1.2, 6), (1.5, 7), (0.4, 8)]) {
        case 0:
            var text = random.pick(accounts)
            switch random.weighted([(55.0, 0), (12.0, 1), (28.0, 2), (5.0, 3)]) {
            case 1: text = TextShape.capitalized(text)
            case 2: text = text.uppercased()
            case 3: text += random.pick(["1", "01", "2", "123", "0", "_1", "$"])
            default: break
            }
            return text
        case 1:
            let text = generated(&random)
            return random.chance(0.3) ? text.uppercased() : text
        case 2:
            // Hostname-based and vendor-style default accounts: HOST01$, admin@host, root@localhost.
            return random.weighted([
                (1.0, "\(random.pick(["WEB", "DB", "APP", "SRV", "DC", "FS", "EXCH", "SQL", "PC", "WS", "LAPTOP"]))\(random.chance(0.5) ? "-" : "")\(TextShape.twoDigit(random.int(in: 1...40)))$"),
                (0.6, "\(random.pick(["root", "admin", "sa", "postgres"]))@\(random.pick(["localhost", "127.0.0.1", "%", "db01", "host"]))"),
                (0.6, "\(random.pick(["admin", "root", "user", "guest", "super"]))\(random.pick(["", "_", "-"]))\(random.pick(apps))"),
            ])
        case 4:
            // How default-credential tables and logs write a missing or wildcard user name.
            return random.pick(["(none)", "<none>", "(blank)", "<blank>", "(null)", "NULL", "null", "none", "n/a", "N/A",
                                "(any)", "any", "*", "(unknown)", "unknown", "<empty>", "(empty)", "nil", "-", "(default)",
                                "<user>", "<username>", "(any user)", "anonymous", "ANONYMOUS", "(anonymous)"])
        case 5:
            // Vendor- or product-style names used as the default account of a device: NetLinx, Telestar, Xenon-3.
            let first = TextShape.capitalized(random.pick(["net", "tel", "link", "data", "micro", "tech", "com", "sys",
                                                           "info", "media", "digi", "cyber", "omni", "poly", "inter",
                                                           "ultra", "power", "smart", "secure", "cam", "vox", "radi"]))
            let second = random.pick(["Link", "Linx", "Star", "Net", "Ware", "Soft", "Tek", "Com", "Box", "Gate", "Works",
                                      "View", "Max", "Pro", "One", "Labs", "Stor", "Sys", "Vision", "Wave", "Point"])
            var text = random.chance(0.6) ? first + second : first + second.lowercased()
            if random.chance(0.2) { text = text.uppercased() }
            if random.chance(0.2) { text += random.pick(["-\(random.int(in: 1...9))", "\(random.int(in: 1...99))", "Admin", "User", "-ISDN", "IP"]) }
            return text
        case 6:
            // Short mnemonic system names: consonant-heavy abbreviations (nms, bcms, rje), sometimes numbered.
            let consonants = Array("bcdfghjklmnprstvwxz"), vowels = Array("aeiou")
            var text = ""
            for i in 0..<random.int(in: 2...5) {
                text.append(i > 0 && random.chance(0.2) ? random.pick(vowels) : random.pick(consonants))
            }
            if random.chance(0.25) { text += random.pick(["adm", "op", "sys", "mgr", "ctl", "cfg", "mon", "srv", "db"]) }
            if random.chance(0.2) { text += String(random.int(in: 1...9)) }
            return random.chance(0.25) ? text.uppercased() : text
        case 7:
            // A function, department or system word used as a shared account: accounting, viewer, kiosk.
            let text = random.pick(functionWords)
            return random.weighted([(6.0, text), (1.5, text.uppercased()), (1.0, TextShape.capitalized(text)),
                                    (1.0, text + random.pick(["1", "2", "01", "_1", "user", "admin", "-ro"]))])
        case 8:
            // Numeric account ids of devices and phone systems (1, 30, 101).
            return String(random.weighted([(2.0, random.int(in: 0...9)), (2.0, random.int(in: 10...99)), (1.0, random.int(in: 100...999))]))
        default:
            // Initials of a product or vendor with a role: ABCadmin, XYZ_OPER, NETOP.
            let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            let stem = String((0..<random.int(in: 2...4)).map { _ in random.pick(letters) })
            let role = random.pick(["admin", "ADMIN", "adm", "ADM", "OPER", "op", "user", "USER", "SYS", "sys", "mgr", "MAINT", "sup"])
            return random.chance(0.5) ? stem + role : stem.lowercased() + role.lowercased()
        }
    }
}

private extension String {
    func replacingUnderscore() -> String { filter { $0 != "_" } }
}
