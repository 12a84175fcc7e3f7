using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Comb.Testing.Services;

/// <summary>Runs helper programs for test services and finds free loopback ports.</summary>
public static class ProcessRunner
{
    public static bool IsRoot => Environment.UserName == "root";

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a program to completion (optionally as another user) and returns its exit code and output.</summary>
    public static (int Code, string Output) Run(string file, IEnumerable<string> args, string? asUser = null, int timeoutMs = 120_000)
    {
        var start = asUser is not null && IsRoot
            ? new ProcessStartInfo("runuser", ["-u", asUser, "--", file, .. args])
            : new ProcessStartInfo(file, args);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "timed out");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
