using System.IO.Compression;
using System.Text;

namespace Comb.Analyzers.Tests.Language;

/// <summary>Builds small archives in memory for Java archive tests.</summary>
internal static class Zips
{
    public static byte[] Create(params (string Name, byte[] Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
                using var stream = entry.Open();
                stream.Write(content);
            }
        }

        return buffer.ToArray();
    }

    public static (string, byte[]) Text(string name, string content) => (name, Encoding.UTF8.GetBytes(content));

    public static (string, byte[]) PomProperties(string group, string artifact, string version) =>
        Text($"META-INF/maven/{group}/{artifact}/pom.properties", $"groupId={group}\nartifactId={artifact}\nversion={version}\n");
}
