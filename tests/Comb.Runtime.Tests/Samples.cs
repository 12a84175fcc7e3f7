using System.IO.Compression;
using Comb.Testing;

namespace Comb.Runtime.Tests;

/// <summary>Real samples from the shared malware data, read from their zip.</summary>
internal static class Samples
{
    // A short PHP web shell of the shared collection (the whole file is an eval of request input).
    public const string WebShellEntry = "9276c224c7a3_micro.php";

    public static byte[] WebShell()
    {
        var zip = SharedData.Require("malware", "webshells", "php", "webshells-php.zip");
        using var archive = ZipFile.OpenRead(zip);
        var entry = archive.GetEntry(WebShellEntry);
        Assert.SkipWhen(entry is null, $"{WebShellEntry} not in {zip}");
        using var stream = entry!.Open();
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return ms.ToArray();
    }
}
