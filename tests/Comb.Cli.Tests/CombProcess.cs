using System.Diagnostics;

namespace Comb.Cli.Tests;

/// <summary>Runs the built comb program as its own process (for tests about several processes sharing something).</summary>
internal static class CombProcess
{
    public static Task<(int Code, string Err)> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string>(), args);

    /// <summary>With extra environment variables (settings a test must not set in its own, shared process).</summary>
    public static async Task<(int Code, string Err)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "comb.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await stdout;
        return (process.ExitCode, await stderr);
    }
}
