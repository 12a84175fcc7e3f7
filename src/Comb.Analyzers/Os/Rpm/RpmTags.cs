namespace Comb.Analyzers.Os.Rpm;

/// <summary>The header tags the inventory reads (numbers from rpm's rpmtag.h).</summary>
internal static class RpmTags
{
    public const int SigMd5 = 261;
    public const int Name = 1000;
    public const int Version = 1001;
    public const int Release = 1002;
    public const int Epoch = 1003;
    public const int Summary = 1004;
    public const int Size = 1009;
    public const int Vendor = 1011;
    public const int License = 1014;
    public const int Arch = 1022;
    public const int OldFileNames = 1027;
    public const int FileDigests = 1035;
    public const int FileFlags = 1037;
    public const int SourceRpm = 1044;
    public const int DirIndexes = 1116;
    public const int BaseNames = 1117;
    public const int DirNames = 1118;
    public const int FileDigestAlgo = 5011;
    public const int ModularityLabel = 5096;
}
