namespace Monitoring.Contracts;

/// <summary>The stable topic ids of the public contract (routing keys, URLs, subscriptions).</summary>
public static class Topics
{
    public const string MilitaryActivity = "military-activity";
    public const string DefenseCooperation = "defense-cooperation";
    public const string ArmedConflict = "armed-conflict";
    public const string MissilesWmd = "missiles-wmd";
    public const string Terrorism = "terrorism";
    public const string Cyber = "cyber";
    public const string HybridThreats = "hybrid-threats";
    public const string MaritimeSecurity = "maritime-security";
    public const string ArmsTrade = "arms-trade";
    public const string Sanctions = "sanctions";
    public const string CivilUnrest = "civil-unrest";

    public static readonly IReadOnlyList<string> All =
    [
        MilitaryActivity, DefenseCooperation, ArmedConflict, MissilesWmd, Terrorism, Cyber,
        HybridThreats, MaritimeSecurity, ArmsTrade, Sanctions, CivilUnrest,
    ];
}
