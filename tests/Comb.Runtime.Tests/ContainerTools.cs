using System.Diagnostics;
using System.Net.Sockets;
using Comb.Testing.Services;

namespace Comb.Runtime.Tests;

/// <summary>Finds the container tools the tests drive for real (installed by scripts/setup.sh).</summary>
internal static class ContainerTools
{
    public static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':')
            .Concat(["/usr/sbin", "/sbin"])
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    public static void Require(params string[] names)
    {
        var missing = names.Where(n => Which(n) is null).ToList();
        Assert.SkipWhen(missing.Count > 0, $"{string.Join(", ", missing)} not installed (run scripts/setup.sh); real container store tests skip.");
        Assert.SkipUnless(ProcessRunner.IsRoot, "the real container store tests run Podman and containerd as root");
    }

    public static string Run(string file, params string[] args)
    {
        var (code, output) = ProcessRunner.Run(file, args, timeoutMs: 300_000);
        Assert.True(code == 0, $"{file} {string.Join(' ', args)} failed ({code}): {output}");
        return output;
    }
}

/// <summary>Podman on its own storage root and run root, with the vfs (default) or overlay driver and runc (what works without systemd here).</summary>
internal sealed class PodmanStore : IDisposable
{
    private readonly string _driver;

    public PodmanStore(string driver = "vfs")
    {
        _driver = driver;
        // Lower case only: podman names an image pulled from oci:DIR after DIR; and short: it refuses a run root over 50 characters.
        var dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "comb-pm-" + Guid.NewGuid().ToString("n")[..12])).FullName;
        Root = Path.Combine(dir, "root");
        RunRoot = Path.Combine(dir, "run");
        Dir = dir;
    }

    public string Dir { get; }
    public string Root { get; }
    public string RunRoot { get; }

    public string Podman(params string[] args) => ContainerTools.Run("podman",
        ["--root", Root, "--runroot", RunRoot, "--storage-driver", _driver, "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "file", .. args]);

    public void Dispose()
    {
        try
        {
            // Stops what this store runs and unmounts its layers before the files go.
            Podman("rm", "--all", "--force", "--time", "0");
            Podman("rmi", "--all", "--force");
        }
        catch (Exception)
        {
            // Best effort: a failed test may leave the store half set up.
        }

        Directory.Delete(Dir, recursive: true);
    }
}

/// <summary>A containerd daemon started for the test on its own root, state directory and socket.</summary>
internal sealed class ContainerdDaemon : IDisposable
{
    private readonly Process _process;

    public ContainerdDaemon()
    {
        Dir = Directory.CreateTempSubdirectory("comb-containerd-").FullName;
        Root = Path.Combine(Dir, "root");
        Address = Path.Combine(Dir, "containerd.sock");
        var start = new ProcessStartInfo(ContainerTools.Which("containerd")!, ["--root", Root, "--state", Path.Combine(Dir, "state"), "--address", Address])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!Ready())
        {
            Assert.True(DateTime.UtcNow < deadline && !_process.HasExited, "containerd did not start listening on its socket");
            Thread.Sleep(100);
        }
    }

    public string Dir { get; }
    public string Root { get; }
    public string Address { get; }

    public string Ctr(params string[] args) => ContainerTools.Run("ctr", ["--address", Address, .. args]);

    private bool Ready()
    {
        if (!File.Exists(Address))
        {
            return false;
        }

        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(Address));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Imports an OCI layout (tarred as an OCI archive) into a namespace; the image is BASE:TAG (the layout's ref name).</summary>
    public void Import(string ns, string layout, string baseName, string snapshotter)
    {
        var archive = Path.Combine(Dir, Guid.NewGuid().ToString("n") + ".tar");
        ContainerTools.Run("tar", "-C", layout, "-cf", archive, ".");
        Ctr("-n", ns, "images", "import", "--snapshotter", snapshotter, "--base-name", baseName, archive);
        File.Delete(archive);
    }

    /// <summary>The pid of a running task, from `ctr task ls`.</summary>
    public int Pid(string ns, string id) =>
        Ctr("-n", ns, "task", "ls").Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length >= 3 && f[0] == id).Select(f => int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture)).Single();

    public void Dispose()
    {
        // Tasks run in shims outside the daemon's process tree: remove them (and their rootfs mounts) first.
        try
        {
            foreach (var ns in Ctr("namespaces", "ls", "-q").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                foreach (var task in Ctr("-n", ns, "task", "ls", "-q").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    Ctr("-n", ns, "task", "rm", "-f", task);
                }
            }
        }
        catch (Exception)
        {
            // Best effort: a failed test may leave the daemon half set up.
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}
