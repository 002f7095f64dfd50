; Windows installer for the one-folder app built by packaging\deescalate.spec.
; NOT built or tested on this project's machines (Linux only): see the README's IT section.
;
; Build:      makensis /DVERSION=0.1.0 packaging\windows\deescalate.nsi
; Install:    deescalate-setup-0.1.0.exe /S [/NOAUTOSTART] [/D=C:\Program Files\Deescalate]
; Uninstall:  "C:\Program Files\Deescalate\uninstall.exe" /S
;
; Per machine: Program Files, Start menu for all users, start at login for all users (HKLM
; Run key; /NOAUTOSTART leaves it out, and Group Policy can delete the value). Settings,
; models and logs of users are not touched by uninstall; the machine-wide model folder
; (C:\ProgramData\deescalate\models) is left too, as IT put it there.

!ifndef VERSION
  !error "Give the version: makensis /DVERSION=x.y.z deescalate.nsi"
!endif
!ifndef DIST
  !define DIST "..\..\dist"  ; holds deescalate\ (from PyInstaller); the setup goes here too
!endif
!define APP "Deescalate"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP}"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"

Unicode true
Target amd64-unicode
Name "${APP} ${VERSION}"
OutFile "${DIST}\deescalate-setup-${VERSION}.exe"
InstallDir "$PROGRAMFILES64\${APP}"
RequestExecutionLevel admin
SetCompressor /SOLID lzma

!include "FileFunc.nsh"
!include "x64.nsh"

Page directory
Page instfiles
UninstPage uninstConfirm
UninstPage instfiles

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "${APP} needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Section "Install"
  SetOutPath "$INSTDIR"
  ; Replace a previous version whole, so no stale library is left next to new ones.
  RMDir /r "$INSTDIR\_internal"
  File /r "${DIST}\deescalate\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\deescalate.exe"

  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/NOAUTOSTART" $1
  ${If} ${Errors}
    WriteRegStr HKLM "${RUN_KEY}" "${APP}" '"$INSTDIR\deescalate.exe"'
  ${EndIf}

  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "${APP}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\deescalate.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $2 $3 $4
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" $2
SectionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Section "Uninstall"
  DeleteRegValue HKLM "${RUN_KEY}" "${APP}"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  Delete "$SMPROGRAMS\${APP}.lnk"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\deescalate.exe"
  Delete "$INSTDIR\deescalate-cli.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
SectionEnd
