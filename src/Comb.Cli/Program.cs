using System.Reflection;

namespace Comb.Cli;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        Comb.Contracts.StartupTrace.Mark("main");
        var code = args is ["--version"] ? PrintVersion() : await CombApp.RunAsync(args);
        Comb.Contracts.StartupTrace.Mark("exit");
        return code;
    }

    /// <summary>
    /// <c>comb --version</c> answered before the engine and the command tree are built: composing them loads most of
    /// Comb's assemblies, which is most of the time a bare version query took (bench/speed). Prints what the command
    /// line's own version option prints: the informational version.
    /// </summary>
    internal static int PrintVersion(TextWriter? output = null)
    {
        var assembly = typeof(Program).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "";
        (output ?? Console.Out).WriteLine(version);
        return 0;
    }
}
