namespace Comb.Checks.Config;

/// <summary>The <see cref="Comb.Contracts.FileNote.Kind"/> values the file-note analyzer emits.</summary>
public static class FileNoteKinds
{
    public const string Setuid = "setuid";
    public const string Setgid = "setgid";
    public const string WorldWritable = "world-writable";
    public const string PackageCache = "package-cache";
}
