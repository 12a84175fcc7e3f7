using System.Text;
using Comb.Contracts;

namespace Comb.Analyzers.Os;

/// <summary>Images with nothing but busybox: its binary carries a "BusyBox vX.Y.Z" banner.</summary>
internal static class BusyBoxVersion
{
    private static readonly byte[] Marker = "BusyBox v"u8.ToArray();

    public static OsInfo? Find(ReadOnlySpan<byte> content)
    {
        var at = content.IndexOf(Marker);
        if (at < 0)
        {
            return null;
        }

        var rest = content[(at + Marker.Length)..];
        var end = 0;
        while (end < rest.Length && end < 32 && (char.IsAsciiDigit((char)rest[end]) || rest[end] == '.'))
        {
            end++;
        }

        if (end == 0)
        {
            return null;
        }

        var version = Encoding.ASCII.GetString(rest[..end]).TrimEnd('.');
        return new OsInfo { Family = "busybox", Name = version, PrettyName = "BusyBox v" + version };
    }
}
