using Comb.Cli;

namespace Comb.Runtime.Tests;

/// <summary>Runs the comb CLI in process and captures its exit code and output.</summary>
internal static class Cli
{
    public static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CombApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
