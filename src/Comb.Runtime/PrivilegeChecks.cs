using System.Text.Json;
using Comb.Contracts;

namespace Comb.Runtime;

/// <summary>Least-privilege facts read from a container's OCI runtime spec (the CIS Docker Benchmark's runtime section).</summary>
public static class PrivilegeChecks
{
    // Docker's and Podman's default capability sets together; anything beyond was added with --cap-add.
    private static readonly HashSet<string> DefaultCapabilities = new(StringComparer.Ordinal)
    {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",
        "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT", "CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_NET_RAW",
    };

    private static readonly string[] IsolatingNamespaces = ["pid", "network", "ipc", "uts", "mount"];

    // Host paths whose bind mount gives a container control of the host or its other containers.
    private static readonly string[] SensitiveSources =
    [
        "/", "/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/home", "/var/run/docker.sock", "/run/docker.sock",
        "/run/containerd", "/var/run/containerd", "/run/crio", "/var/run/crio", "/run/podman", "/var/lib/containers",
        "/var/lib/containerd", "/var/lib/docker", "/var/lib/kubelet", "/usr",
    ];

    /// <summary>The findings for one container; paths the runtime itself manages (under its own directories) are not sensitive mounts.</summary>
    public static IReadOnlyList<PrivilegeFinding> Check(ContainerState state, IReadOnlyCollection<string> runtimeDirectories)
    {
        var findings = new List<PrivilegeFinding>();
        if (state.Privileged)
        {
            findings.Add(new() { Id = "privileged", Title = "Container runs privileged", Severity = Severity.Critical, Detail = "all capabilities, host devices, no seccomp or AppArmor confinement" });
        }

        if (state.Spec is not { ValueKind: JsonValueKind.Object } spec)
        {
            return findings;
        }

        if (spec.TryGetProperty("process", out var process))
        {
            if (!process.TryGetProperty("user", out var user) || !user.TryGetProperty("uid", out var uid) || uid.GetInt64() == 0)
            {
                findings.Add(new() { Id = "runs-as-root", Title = "Container process runs as root (uid 0)", Severity = Severity.Medium });
            }

            if (!state.Privileged && process.TryGetProperty("capabilities", out var caps) && caps.TryGetProperty("bounding", out var bounding) && bounding.ValueKind == JsonValueKind.Array)
            {
                foreach (var cap in bounding.EnumerateArray().Select(c => c.GetString() ?? "").Where(c => !DefaultCapabilities.Contains(c)).Order(StringComparer.Ordinal))
                {
                    var severity = cap is "CAP_SYS_ADMIN" or "CAP_SYS_MODULE" or "CAP_SYS_PTRACE" or "CAP_SYS_RAWIO" or "CAP_DAC_READ_SEARCH" or "CAP_BPF" ? Severity.High : Severity.Medium;
                    findings.Add(new() { Id = "added-capability", Title = $"Capability {cap} added beyond the defaults", Severity = severity, Detail = cap });
                }
            }
        }

        if (!(spec.TryGetProperty("root", out var root) && root.TryGetProperty("readonly", out var ro) && ro.ValueKind == JsonValueKind.True))
        {
            findings.Add(new() { Id = "writable-rootfs", Title = "Root filesystem is writable", Severity = Severity.Low, Detail = "run with --read-only so nothing can be dropped into the image's files" });
        }

        if (spec.TryGetProperty("linux", out var linux))
        {
            var own = linux.TryGetProperty("namespaces", out var ns) && ns.ValueKind == JsonValueKind.Array
                ? ns.EnumerateArray().Where(n => !n.TryGetProperty("path", out var p) || string.IsNullOrEmpty(p.GetString())).Select(n => n.GetProperty("type").GetString()).ToHashSet()
                : [];
            foreach (var shared in IsolatingNamespaces.Where(n => !own.Contains(n)))
            {
                findings.Add(new() { Id = "host-namespace", Title = $"Shares a {shared} namespace with the host or another container", Severity = shared is "pid" or "network" ? Severity.High : Severity.Medium, Detail = shared });
            }

            if (!state.Privileged && !(linux.TryGetProperty("seccomp", out var seccomp) && seccomp.ValueKind == JsonValueKind.Object))
            {
                findings.Add(new() { Id = "no-seccomp", Title = "No seccomp profile", Severity = Severity.Medium });
            }
        }

        if (spec.TryGetProperty("mounts", out var mounts) && mounts.ValueKind == JsonValueKind.Array)
        {
            foreach (var mount in mounts.EnumerateArray())
            {
                var source = mount.TryGetProperty("source", out var s) ? s.GetString() ?? "" : "";
                var options = mount.TryGetProperty("options", out var o) && o.ValueKind == JsonValueKind.Array ? o.EnumerateArray().Select(x => x.GetString()).ToList() : [];
                var isBind = (mount.TryGetProperty("type", out var t) && t.GetString() == "bind") || options.Contains("bind") || options.Contains("rbind");
                if (!isBind || !source.StartsWith('/') || runtimeDirectories.Any(d => Under(source, d)))
                {
                    continue;
                }

                if (SensitiveSources.FirstOrDefault(p => p == "/" ? source == "/" : Under(source, p)) is not null)
                {
                    var writable = !options.Contains("ro");
                    var destination = mount.TryGetProperty("destination", out var d) ? d.GetString() : null;
                    findings.Add(new() { Id = "sensitive-mount", Title = $"Host path {source} is mounted {(writable ? "read-write" : "read-only")}", Severity = writable ? Severity.High : Severity.Medium, Detail = $"{source} -> {destination}" });
                }
            }
        }

        return findings;
    }

    private static bool Under(string path, string dir) =>
        path == dir || path.StartsWith(dir.TrimEnd('/') + "/", StringComparison.Ordinal);
}
