namespace Comb.Cli;

public static class Program
{
    public static Task<int> Main(string[] args) => CombApp.RunAsync(args);
}
