using System.Runtime.InteropServices;
using Comb.Contracts;

namespace Comb.Image.Stores;

/// <summary>
/// Reads a whole file without taking an advisory lock. .NET's FileStream takes flock(LOCK_SH) on Unix, which fails
/// while a running containerd or Podman holds its bolt database with LOCK_EX; a plain open/read does not conflict.
/// </summary>
internal static partial class UnlockedFile
{
    private const int ReadOnly = 0;
    private const int CloseOnExec = 0x80000;

    public static byte[] ReadAll(string path, long maxBytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            return File.ReadAllBytes(path);
        }

        var fd = Open(path, ReadOnly | CloseOnExec);
        if (fd < 0)
        {
            throw new CombInputException($"{path}: cannot open ({Marshal.GetLastPInvokeErrorMessage()})", CombErrorKind.NotFound);
        }

        try
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[1 << 16];
            while (true)
            {
                var n = Read(fd, chunk, chunk.Length);
                if (n < 0)
                {
                    throw new CombInputException($"{path}: read failed ({Marshal.GetLastPInvokeErrorMessage()})");
                }

                if (n == 0)
                {
                    return buffer.ToArray();
                }

                buffer.Write(chunk, 0, (int)n);
                if (buffer.Length > maxBytes)
                {
                    throw new CombInputException($"{path}: larger than {maxBytes} bytes; not read");
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, byte[] buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
