namespace Comb.Secrets.Tests.Corpus;

/// <summary>Prints a report to the test output and, when COMB_SECRETS_REPORT names a folder, to a file there.</summary>
internal static class CorpusReport
{
    public static void Write(string name, string text)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(text);
        var dir = Environment.GetEnvironmentVariable("COMB_SECRETS_REPORT");
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, name + ".txt"), text);
        }
    }
}
