using System.Runtime.InteropServices;

namespace Comb.Runtime;

/// <summary>
/// The extended attributes overlayfs marks directories with: "trusted.overlay.opaque" (readable by root, as the runtime
/// scan runs) or, on mounts with the userxattr option (rootless Podman), "user.overlay.opaque".
/// </summary>
internal static partial class OverlayAttributes
{
    private static readonly string[] OpaqueNames = ["trusted.overlay.opaque", "user.overlay.opaque"];

    /// <summary>True when the directory's opaque attribute is "y": nothing of the lower layers shows through it.</summary>
    public static bool IsOpaque(string directory)
    {
        Span<byte> value = stackalloc byte[8];
        foreach (var name in OpaqueNames)
        {
            var length = LGetXattr(directory, name, ref MemoryMarshal.GetReference(value), (nuint)value.Length);
            if (length == 1 && value[0] == (byte)'y')
            {
                return true;
            }
        }

        return false;
    }

    [LibraryImport("libc", EntryPoint = "lgetxattr", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint LGetXattr(string path, string name, ref byte value, nuint size);
}
