namespace Comb.Contracts;

/// <summary>Version ordering of one ecosystem (dpkg, rpm, apk, semver, pep440, maven, nuget, rubygems, composer).</summary>
public interface IVersionComparer
{
    string Scheme { get; }

    /// <summary>Negative, zero or positive as in <see cref="IComparer{T}"/>; total and consistent.</summary>
    int Compare(string left, string right);

    /// <summary>Whether the text is a version this scheme can order.</summary>
    bool IsValid(string version);
}
