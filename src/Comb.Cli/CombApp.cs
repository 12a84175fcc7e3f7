namespace Comb.Cli;

public static class CombApp
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.WriteLine("comb 0.1.0");
        return Task.FromResult(0);
    }
}
