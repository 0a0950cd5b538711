#!/usr/bin/env python3
"""Fails when a target under Sources/ depends on one of ours outside the intended direction:

    executables -> service libraries -> {EBPFCapture, ThreatRules, PromExposition, WindowTransport}; MonitorService -> AuthEvents
    ThreatRules -> {WindowFormat, AnomalyModels};  WindowTransport -> {WindowFormat, PromExposition}
    WindowFormat, AuthEvents, EBPFCapture -> TrafficFeatures (AuthEvents also -> CSystemd, sd-journal)
    AnomalyModels, PromExposition, TrafficFeatures, ServiceSupport -> nothing of ours
    TrafficFeatures, WindowFormat, AuthEvents -> no HTTP, NIO or service-lifecycle module at all
    build plugins: each used only by the targets listed in PLUGINS, and built from no target of ours
    (they run /bin/sh: clang, base64, awk)

A target may use what its allowed dependencies use (the rule is transitive, downward only). Both the
`import` lines of every Swift file and the dependencies Package.swift declares are checked.
Usage: scripts/check-dependencies.py  (from anywhere; `swift package dump-package` reads Package.swift)
"""
import json, os, re, subprocess, sys

ALLOWED = {
    "monitor": {"MonitorService", "ServiceSupport"},
    "detector": {"DetectorService", "ServiceSupport"},
    "MonitorService": {"ServiceSupport", "EBPFCapture", "ThreatRules", "PromExposition", "WindowTransport", "AuthEvents"},
    "DetectorService": {"ServiceSupport", "ThreatRules", "PromExposition", "WindowTransport"},
    "WindowTransport": {"TrafficFeatures", "WindowFormat", "PromExposition"},
    "WindowFormat": {"TrafficFeatures"},
    "AuthEvents": {"TrafficFeatures", "CSystemd"},
    "EBPFCapture": {"TrafficFeatures", "CLibBPF", "CPcap"},
    "ThreatRules": {"TrafficFeatures", "WindowFormat", "AnomalyModels"},
    "AnomalyModels": {"CBLAS", "CMalloc"},
    "PromExposition": set(),
    "TrafficFeatures": set(),
    "ServiceSupport": set(),
}
NO_SERVICES = re.compile(r"^(AsyncHTTPClient|NIO\w*|ServiceLifecycle|Hummingbird\w*|UnixSignals)$")
FORBIDDEN_EXTERNAL = {"TrafficFeatures": NO_SERVICES, "WindowFormat": NO_SERVICES, "AuthEvents": NO_SERVICES}
# Which targets run which build plugin (code generated at build time), and the plugins' tools.
PLUGINS = {
    "TrafficFeatures": {"CounterSchemaPlugin"},
    "EBPFCapture": {"BPFObjectPlugin", "CounterSchemaPlugin"},
    "PromExposition": {"CounterSchemaPlugin"},
    "ThreatRules": {"EmbeddedFilesPlugin"},
}
PLUGIN_TOOLS = {"CounterSchemaPlugin": set(), "BPFObjectPlugin": set(), "EmbeddedFilesPlugin": set()}
C_SHIMS = {"CLibBPF", "CPcap", "CBLAS", "CMalloc", "CSystemd"}  # Sources/C*: module maps, no Swift
OURS = set(ALLOWED) | C_SHIMS

def closure(target):
    seen, stack = set(), list(ALLOWED.get(target, ()))
    while stack:
        t = stack.pop()
        if t not in seen:
            seen.add(t)
            stack.extend(ALLOWED.get(t, ()))
    return seen

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
problems = []
import_line = re.compile(r"^\s*(?:@[\w()]+\s+)*(?:public |package |internal |private |fileprivate )?import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?(\w+)", re.M)
for target in sorted(os.listdir(os.path.join(root, "Sources"))):
    folder = os.path.join(root, "Sources", target)
    if not os.path.isdir(folder) or target in C_SHIMS:
        continue
    if target not in ALLOWED:
        problems.append(f"Sources/{target}: a target the dependency rule does not know; add it to scripts/check-dependencies.py")
        continue
    allowed = closure(target)
    for directory, _, files in os.walk(folder):
        for name in files:
            if not name.endswith(".swift"):
                continue
            path = os.path.join(directory, name)
            for module in import_line.findall(open(path, encoding="utf-8").read()):
                relative = os.path.relpath(path, root)
                if module in OURS and module != target and module not in allowed:
                    problems.append(f"{relative}: imports {module}; {target} may use only {sorted(allowed) or 'nothing of ours'}")
                rule = FORBIDDEN_EXTERNAL.get(target)
                if rule and rule.match(module):
                    problems.append(f"{relative}: imports {module}; {target} must not depend on HTTP or service modules")

package = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=root, capture_output=True, text=True, check=True).stdout)
for target in package["targets"]:
    name = target["name"]
    if name not in ALLOWED:
        continue
    allowed = closure(name)
    for dependency in target.get("dependencies", []):
        kind, value = next(iter(dependency.items()))
        module = value[0]
        if module in OURS and module not in allowed:
            problems.append(f"Package.swift: {name} depends on {module}; it may use only {sorted(allowed) or 'nothing of ours'}")
        rule = FORBIDDEN_EXTERNAL.get(name)
        if rule and rule.match(module):
            problems.append(f"Package.swift: {name} depends on {module}; it must not depend on HTTP or service modules")

for target in package["targets"]:
    name = target["name"]
    used = {usage["plugin"][0] for usage in target.get("pluginUsages") or []}
    if used - PLUGINS.get(name, set()):
        problems.append(f"Package.swift: {name} runs {sorted(used - PLUGINS.get(name, set()))}; add it to PLUGINS in scripts/check-dependencies.py")
    if target["type"] == "plugin":
        if name not in PLUGIN_TOOLS:
            problems.append(f"Package.swift: plugin {name} is not in PLUGIN_TOOLS of scripts/check-dependencies.py")
        tools = {next(iter(d.values()))[0] for d in target.get("dependencies", [])}
        if tools - PLUGIN_TOOLS.get(name, set()):
            problems.append(f"Package.swift: plugin {name} depends on {sorted(tools)}; it may use only {sorted(PLUGIN_TOOLS.get(name, set()))}")

if problems:
    print("check-dependencies: targets depend against the intended direction:", file=sys.stderr)
    for problem in problems:
        print("  " + problem, file=sys.stderr)
    sys.exit(1)
print(f"check-dependencies: {len(ALLOWED)} targets follow the dependency direction; {len(PLUGIN_TOOLS)} build plugins run where intended")
