; Inno Setup 6 script: a per-user installer for the standalone application, no
; administrator rights (installed in %LOCALAPPDATA%\Programs\Permanence).
; Build dist\permanence\ first (py dev.py package), then, from the checkout:
;   "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 packaging\windows\permanence.iss
; The installer is written to dist\permanence-VERSION-setup.exe. Nothing it does needs
; administrator rights: the program goes to the user's own folders, its Start menu entry
; and uninstaller are the user's, and the practices are never in {app} (they live in
; %LOCALAPPDATA%\Permanence, or, for the portable ZIP described in README, beside the
; program in Permanence-data).
; /DTelHandler also registers Permanence for tel: links (for this user only), once the
; program answers them (the `permanence tel:` command comes with calls; see README).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
; Never change AppId: a newer installer recognises the installed version by it and
; installs over it (an update keeps the practices: they live in the user's profile
; folders, not here).
AppId={{6F0C2B5E-3D1A-4C8B-9E57-2A4D7C1F9B30}
AppName=Permanence
AppVersion={#AppVersion}
AppVerName=Permanence {#AppVersion}
AppPublisher=Permanence
DefaultDirName={localappdata}\Programs\Permanence
DefaultGroupName=Permanence
DisableProgramGroupPage=yes
DisableDirPage=auto
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SourceDir=..\..
OutputDir=dist
OutputBaseFilename=permanence-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\permanencew.exe
; Drawn from resources\permanence.svg by the build (packaging\icons.py).
SetupIconFile=dist\permanence\_internal\permanence.ico
; With PrivilegesRequired=lowest and no PrivilegesRequiredOverridesAllowed, the
; installer never asks for elevation, even when the user is an administrator.
UsedUserAreasWarning=no
UninstallDisplayName=Permanence
; A running Permanence is closed (and its database with it) before the files change.
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "french"; MessagesFile: "compiler:Languages\French.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An update replaces the libraries as a whole: nothing of the older version lingers.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "dist\permanence\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Permanence"; Filename: "{app}\permanencew.exe"; IconFilename: "{app}\permanencew.exe"
Name: "{autodesktop}\Permanence"; Filename: "{app}\permanencew.exe"; IconFilename: "{app}\permanencew.exe"; Tasks: desktopicon

[Registry]
#ifdef TelHandler
; tel: links open Permanence with the link as its only argument; this user only.
Root: HKCU; Subkey: "Software\Classes\tel"; ValueType: string; ValueName: ""; ValueData: "URL:Telephone number"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\tel"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""
Root: HKCU; Subkey: "Software\Classes\tel\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: """{app}\permanencew.exe"",0"
Root: HKCU; Subkey: "Software\Classes\tel\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\permanencew.exe"" ""%1"""
#endif

[Run]
Filename: "{app}\permanencew.exe"; Description: "{cm:LaunchProgram,Permanence}"; Flags: nowait postinstall skipifsilent
