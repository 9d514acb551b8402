package schema

// activity returns Sentinel's Activity text for an event ID: "<ID> - <title>",
// or "" when wsec knows no title for the ID (the caller then writes the bare
// ID, as Sentinel does: its oracle row for AD FS event 412 has Activity "412").
//
// Sentinel keys the title by event ID alone, whatever the provider or channel:
// its oracle row for AD FS Auditing event 501 carries the Desktop Window
// Manager's text for 501. wsec does the same.
//
// Where titles come from (the comment on each line):
//
//	oracle     a Sentinel SecurityEvent export in the corpus (ground truth)
//	sentinel   a Sentinel row published by Microsoft (REST API example, 4625)
//	w2008r2    the Windows 7 / Server 2008 R2 message summary; Sentinel's 5156
//	           text ("has allowed a connection") is the 2008 R2 wording, not the
//	           later one ("has permitted a connection"), so where the two differ
//	           the 2008 R2 wording is used
//	manifest   first sentence of the Microsoft-Windows-Security-Auditing or
//	           Microsoft-Windows-Eventlog manifest message
//	docs       title of Microsoft's "Advanced security auditing" event page
//	unverified no source seen in this work (AppLocker texts keep their
//	           insertion string as "%1"); kept because the ID is in an event set
//
// IDs of the Common set with no title here, because Sentinel's own text is
// unknown and no Microsoft text applies: the AD FS Auditing IDs 1, 299, 300,
// 324, 340, 403, 404, 410, 411, 412 (oracle: bare "412"), 413, 431, 500, and
// 1107, 26401, 30004.
func activity(id uint16) string {
	switch id {
	case 501:
		return "501 - The Desktop Window Manager is experiencing heavy resource contention." // oracle
	case 1100:
		return "1100 - The event logging service has shut down." // manifest
	case 1102:
		return "1102 - The audit log was cleared." // manifest
	case 1104:
		return "1104 - The security log is now full." // manifest
	case 1105:
		return "1105 - Event log automatic backup." // docs
	case 1108:
		return "1108 - The event logging service encountered an error while processing an incoming event published from %1." // docs
	case 4608:
		return "4608 - Windows is starting up." // docs
	case 4609:
		return "4609 - Windows is shutting down." // unverified
	case 4610:
		return "4610 - An authentication package has been loaded by the Local Security Authority." // manifest
	case 4611:
		return "4611 - A trusted logon process has been registered with the Local Security Authority." // manifest
	case 4612:
		return "4612 - Internal resources allocated for the queuing of audit messages have been exhausted, leading to the loss of some audits." // docs
	case 4614:
		return "4614 - A notification package has been loaded by the Security Account Manager." // manifest
	case 4615:
		return "4615 - Invalid use of LPC port." // manifest
	case 4616:
		return "4616 - The system time was changed." // manifest
	case 4618:
		return "4618 - A monitored security event pattern has occurred." // manifest
	case 4621:
		return "4621 - Administrator recovered system from CrashOnAuditFail." // docs
	case 4622:
		return "4622 - A security package has been loaded by the Local Security Authority." // manifest
	case 4624:
		return "4624 - An account was successfully logged on." // oracle
	case 4625:
		return "4625 - An account failed to log on." // sentinel
	case 4626:
		return "4626 - User/Device claims information." // docs
	case 4627:
		return "4627 - Group membership information." // manifest
	case 4634:
		return "4634 - An account was logged off." // manifest
	case 4647:
		return "4647 - User initiated logoff." // docs
	case 4648:
		return "4648 - A logon was attempted using explicit credentials." // manifest
	case 4649:
		return "4649 - A replay attack was detected." // manifest
	case 4656:
		return "4656 - A handle to an object was requested." // oracle
	case 4657:
		return "4657 - A registry value was modified." // manifest
	case 4658:
		return "4658 - The handle to an object was closed." // manifest
	case 4659:
		return "4659 - A handle to an object was requested with intent to delete." // manifest
	case 4660:
		return "4660 - An object was deleted." // manifest
	case 4661:
		return "4661 - A handle to an object was requested." // manifest
	case 4662:
		return "4662 - An operation was performed on an object." // oracle
	case 4663:
		return "4663 - An attempt was made to access an object." // oracle
	case 4664:
		return "4664 - An attempt was made to create a hard link." // manifest
	case 4665:
		return "4665 - An attempt was made to create an application client context." // manifest
	case 4666:
		return "4666 - An application attempted an operation." // unverified
	case 4667:
		return "4667 - An application client context was deleted." // manifest
	case 4668:
		return "4668 - An application was initialized." // manifest
	case 4670:
		return "4670 - Permissions on an object were changed." // oracle
	case 4671:
		return "4671 - An application attempted to access a blocked ordinal through the TBS." // manifest
	case 4672:
		return "4672 - Special privileges assigned to new logon." // manifest
	case 4673:
		return "4673 - A privileged service was called." // manifest
	case 4674:
		return "4674 - An operation was attempted on a privileged object." // manifest
	case 4675:
		return "4675 - SIDs were filtered." // manifest
	case 4688:
		return "4688 - A new process has been created." // oracle
	case 4689:
		return "4689 - A process has exited." // oracle
	case 4690:
		return "4690 - An attempt was made to duplicate a handle to an object." // manifest
	case 4691:
		return "4691 - Indirect access to an object was requested." // manifest
	case 4692:
		return "4692 - Backup of data protection master key was attempted." // manifest
	case 4693:
		return "4693 - Recovery of data protection master key was attempted." // manifest
	case 4694:
		return "4694 - Protection of auditable protected data was attempted." // manifest
	case 4695:
		return "4695 - Unprotection of auditable protected data was attempted." // manifest
	case 4696:
		return "4696 - A primary token was assigned to process." // manifest
	case 4697:
		return "4697 - A service was installed in the system." // manifest
	case 4698:
		return "4698 - A scheduled task was created." // manifest
	case 4699:
		return "4699 - A scheduled task was deleted." // manifest
	case 4700:
		return "4700 - A scheduled task was enabled." // manifest
	case 4701:
		return "4701 - A scheduled task was disabled." // manifest
	case 4702:
		return "4702 - A scheduled task was updated." // manifest
	case 4703:
		return "4703 - A user right was adjusted." // manifest
	case 4704:
		return "4704 - A user right was assigned." // manifest
	case 4705:
		return "4705 - A user right was removed." // manifest
	case 4706:
		return "4706 - A new trust was created to a domain." // manifest
	case 4707:
		return "4707 - A trust to a domain was removed." // manifest
	case 4713:
		return "4713 - Kerberos policy was changed." // manifest
	case 4714:
		return "4714 - Encrypted data recovery policy was changed." // docs
	case 4715:
		return "4715 - The audit policy (SACL) on an object was changed." // manifest
	case 4716:
		return "4716 - Trusted domain information was modified." // manifest
	case 4717:
		return "4717 - System security access was granted to an account." // manifest
	case 4718:
		return "4718 - System security access was removed from an account." // manifest
	case 4719:
		return "4719 - System audit policy was changed." // manifest
	case 4720:
		return "4720 - A user account was created." // manifest
	case 4722:
		return "4722 - A user account was enabled." // manifest
	case 4723:
		return "4723 - An attempt was made to change an account's password." // manifest
	case 4724:
		return "4724 - An attempt was made to reset an account's password." // manifest
	case 4725:
		return "4725 - A user account was disabled." // manifest
	case 4726:
		return "4726 - A user account was deleted." // manifest
	case 4727:
		return "4727 - A security-enabled global group was created." // manifest
	case 4728:
		return "4728 - A member was added to a security-enabled global group." // manifest
	case 4729:
		return "4729 - A member was removed from a security-enabled global group." // manifest
	case 4730:
		return "4730 - A security-enabled global group was deleted." // manifest
	case 4731:
		return "4731 - A security-enabled local group was created." // manifest
	case 4732:
		return "4732 - A member was added to a security-enabled local group." // manifest
	case 4733:
		return "4733 - A member was removed from a security-enabled local group." // manifest
	case 4734:
		return "4734 - A security-enabled local group was deleted." // manifest
	case 4735:
		return "4735 - A security-enabled local group was changed." // manifest
	case 4737:
		return "4737 - A security-enabled global group was changed." // manifest
	case 4738:
		return "4738 - A user account was changed." // manifest
	case 4739:
		return "4739 - Domain Policy was changed." // manifest
	case 4740:
		return "4740 - A user account was locked out." // manifest
	case 4741:
		return "4741 - A computer account was created." // manifest
	case 4742:
		return "4742 - A computer account was changed." // manifest
	case 4743:
		return "4743 - A computer account was deleted." // manifest
	case 4744:
		return "4744 - A security-disabled local group was created." // manifest
	case 4745:
		return "4745 - A security-disabled local group was changed." // manifest
	case 4746:
		return "4746 - A member was added to a security-disabled local group." // manifest
	case 4747:
		return "4747 - A member was removed from a security-disabled local group." // manifest
	case 4748:
		return "4748 - A security-disabled local group was deleted." // manifest
	case 4749:
		return "4749 - A security-disabled global group was created." // manifest
	case 4750:
		return "4750 - A security-disabled global group was changed." // manifest
	case 4751:
		return "4751 - A member was added to a security-disabled global group." // manifest
	case 4752:
		return "4752 - A member was removed from a security-disabled global group." // manifest
	case 4753:
		return "4753 - A security-disabled global group was deleted." // manifest
	case 4754:
		return "4754 - A security-enabled universal group was created." // manifest
	case 4755:
		return "4755 - A security-enabled universal group was changed." // manifest
	case 4756:
		return "4756 - A member was added to a security-enabled universal group." // manifest
	case 4757:
		return "4757 - A member was removed from a security-enabled universal group." // manifest
	case 4758:
		return "4758 - A security-enabled universal group was deleted." // manifest
	case 4759:
		return "4759 - A security-disabled universal group was created." // manifest
	case 4760:
		return "4760 - A security-disabled universal group was changed." // manifest
	case 4761:
		return "4761 - A member was added to a security-disabled universal group." // manifest
	case 4762:
		return "4762 - A member was removed from a security-disabled universal group." // manifest
	case 4763:
		return "4763 - A security-disabled universal group was deleted." // manifest
	case 4764:
		return "4764 - A group’s type was changed." // manifest
	case 4765:
		return "4765 - SID History was added to an account." // manifest
	case 4766:
		return "4766 - An attempt to add SID History to an account failed." // manifest
	case 4767:
		return "4767 - A user account was unlocked." // manifest
	case 4768:
		return "4768 - A Kerberos authentication ticket (TGT) was requested." // manifest
	case 4769:
		return "4769 - A Kerberos service ticket was requested." // manifest
	case 4770:
		return "4770 - A Kerberos service ticket was renewed." // manifest
	case 4771:
		return "4771 - Kerberos pre-authentication failed." // manifest
	case 4772:
		return "4772 - A Kerberos authentication ticket request failed." // manifest
	case 4773:
		return "4773 - A Kerberos service ticket request failed." // manifest
	case 4774:
		return "4774 - An account was mapped for logon." // manifest
	case 4775:
		return "4775 - An account could not be mapped for logon." // manifest
	case 4776:
		return "4776 - The domain controller attempted to validate the credentials for an account." // w2008r2
	case 4777:
		return "4777 - The domain controller failed to validate the credentials for an account." // manifest
	case 4778:
		return "4778 - A session was reconnected to a Window Station." // manifest
	case 4779:
		return "4779 - A session was disconnected from a Window Station." // manifest
	case 4780:
		return "4780 - The ACL was set on accounts which are members of administrators groups." // manifest
	case 4781:
		return "4781 - The name of an account was changed." // docs
	case 4782:
		return "4782 - The password hash an account was accessed." // manifest
	case 4793:
		return "4793 - The Password Policy Checking API was called." // manifest
	case 4794:
		return "4794 - An attempt was made to set the Directory Services Restore Mode administrator password." // docs
	case 4797:
		return "4797 - An attempt was made to query the existence of a blank password for an account." // manifest
	case 4798:
		return "4798 - A user's local group membership was enumerated." // manifest
	case 4799:
		return "4799 - A security-enabled local group membership was enumerated." // manifest
	case 4800:
		return "4800 - The workstation was locked." // manifest
	case 4801:
		return "4801 - The workstation was unlocked." // manifest
	case 4802:
		return "4802 - The screen saver was invoked." // manifest
	case 4803:
		return "4803 - The screen saver was dismissed." // manifest
	case 4816:
		return "4816 - RPC detected an integrity violation while decrypting an incoming message." // manifest
	case 4817:
		return "4817 - Auditing settings on object were changed." // manifest
	case 4818:
		return "4818 - Proposed Central Access Policy does not grant the same access permissions as the current Central Access Policy." // manifest
	case 4819:
		return "4819 - Central Access Policies on the machine have been changed." // manifest
	case 4825:
		return "4825 - A user was denied the access to Remote Desktop. By default, users are allowed to connect only if they are members of the Remote Desktop Users group or Administrators group." // manifest
	case 4826:
		return "4826 - Boot Configuration Data loaded." // manifest
	case 4864:
		return "4864 - A namespace collision was detected." // manifest
	case 4865:
		return "4865 - A trusted forest information entry was added." // manifest
	case 4866:
		return "4866 - A trusted forest information entry was removed." // manifest
	case 4867:
		return "4867 - A trusted forest information entry was modified." // manifest
	case 4868:
		return "4868 - The certificate manager denied a pending certificate request." // manifest
	case 4869:
		return "4869 - Certificate Services received a resubmitted certificate request." // manifest
	case 4870:
		return "4870 - Certificate Services revoked a certificate." // manifest
	case 4871:
		return "4871 - Certificate Services received a request to publish the certificate revocation list (CRL)." // manifest
	case 4872:
		return "4872 - Certificate Services published the certificate revocation list (CRL)." // manifest
	case 4873:
		return "4873 - A certificate request extension changed." // manifest
	case 4874:
		return "4874 - One or more certificate request attributes changed." // manifest
	case 4875:
		return "4875 - Certificate Services received a request to shut down." // manifest
	case 4876:
		return "4876 - Certificate Services backup started." // manifest
	case 4877:
		return "4877 - Certificate Services backup completed." // manifest
	case 4880:
		return "4880 - Certificate Services started." // manifest
	case 4881:
		return "4881 - Certificate Services stopped." // manifest
	case 4882:
		return "4882 - The security permissions for Certificate Services changed." // manifest
	case 4883:
		return "4883 - Certificate Services retrieved an archived key." // manifest
	case 4884:
		return "4884 - Certificate Services imported a certificate into its database." // manifest
	case 4885:
		return "4885 - The audit filter for Certificate Services changed." // manifest
	case 4886:
		return "4886 - Certificate Services received a certificate request." // manifest
	case 4887:
		return "4887 - Certificate Services approved a certificate request and issued a certificate." // manifest
	case 4888:
		return "4888 - Certificate Services denied a certificate request." // manifest
	case 4889:
		return "4889 - Certificate Services set the status of a certificate request to pending." // manifest
	case 4890:
		return "4890 - The certificate manager settings for Certificate Services changed." // manifest
	case 4891:
		return "4891 - A configuration entry changed in Certificate Services." // manifest
	case 4892:
		return "4892 - A property of Certificate Services changed." // manifest
	case 4893:
		return "4893 - Certificate Services archived a key." // manifest
	case 4894:
		return "4894 - Certificate Services imported and archived a key." // manifest
	case 4895:
		return "4895 - Certificate Services published the CA certificate to Active Directory Domain Services." // manifest
	case 4896:
		return "4896 - One or more rows have been deleted from the certificate database." // manifest
	case 4898:
		return "4898 - Certificate Services loaded a template." // manifest
	case 4899:
		return "4899 - A Certificate Services template was updated." // manifest
	case 4900:
		return "4900 - Certificate Services template security was updated." // manifest
	case 4902:
		return "4902 - The Per-user audit policy table was created." // manifest
	case 4904:
		return "4904 - An attempt was made to register a security event source." // manifest
	case 4905:
		return "4905 - An attempt was made to unregister a security event source." // manifest
	case 4906:
		return "4906 - The CrashOnAuditFail value has changed." // manifest
	case 4907:
		return "4907 - Auditing settings on object were changed." // manifest
	case 4908:
		return "4908 - Special Groups Logon table modified." // manifest
	case 4909:
		return "4909 - The local policy settings for the TBS were changed." // manifest
	case 4910:
		return "4910 - The group policy settings for the TBS were changed." // manifest
	case 4911:
		return "4911 - Resource attributes of the object were changed." // manifest
	case 4912:
		return "4912 - Per User Audit Policy was changed." // manifest
	case 4913:
		return "4913 - Central Access Policy on the object was changed." // manifest
	case 4928:
		return "4928 - An Active Directory replica source naming context was established." // manifest
	case 4929:
		return "4929 - An Active Directory replica source naming context was removed." // manifest
	case 4930:
		return "4930 - An Active Directory replica source naming context was modified." // manifest
	case 4931:
		return "4931 - An Active Directory replica destination naming context was modified." // manifest
	case 4932:
		return "4932 - Synchronization of a replica of an Active Directory naming context has begun." // manifest
	case 4933:
		return "4933 - Synchronization of a replica of an Active Directory naming context has ended." // manifest
	case 4934:
		return "4934 - Attributes of an Active Directory object were replicated." // manifest
	case 4935:
		return "4935 - Replication failure begins." // manifest
	case 4936:
		return "4936 - Replication failure ends." // manifest
	case 4937:
		return "4937 - A lingering object was removed from a replica." // manifest
	case 4944:
		return "4944 - The following policy was active when the Windows Firewall started." // manifest
	case 4945:
		return "4945 - A rule was listed when the Windows Firewall started." // manifest
	case 4946:
		return "4946 - A change has been made to Windows Firewall exception list. A rule was added." // w2008r2
	case 4947:
		return "4947 - A change has been made to Windows Firewall exception list. A rule was modified." // w2008r2
	case 4948:
		return "4948 - A change has been made to Windows Firewall exception list. A rule was deleted." // w2008r2
	case 4949:
		return "4949 - Windows Firewall settings were restored to the default values." // docs
	case 4950:
		return "4950 - A Windows Firewall setting has changed." // docs
	case 4951:
		return "4951 - A rule has been ignored because its major version number was not recognized by Windows Firewall." // docs
	case 4952:
		return "4952 - Parts of a rule have been ignored because its minor version number was not recognized by Windows Firewall. The other parts of the rule will be enforced." // docs
	case 4953:
		return "4953 - Windows Firewall ignored a rule because it could not be parsed." // docs
	case 4954:
		return "4954 - Windows Firewall Group Policy settings have changed. The new settings have been applied." // docs
	case 4956:
		return "4956 - Windows Firewall has changed the active profile." // w2008r2
	case 4957:
		return "4957 - Windows Firewall did not apply the following rule." // docs
	case 4958:
		return "4958 - Windows Firewall did not apply the following rule because the rule referred to items not configured on this computer." // docs
	case 4964:
		return "4964 - Special groups have been assigned to a new logon." // manifest
	case 4985:
		return "4985 - The state of a transaction has changed." // manifest
	case 5024:
		return "5024 - The Windows Firewall Service has started successfully." // docs
	case 5025:
		return "5025 - The Windows Firewall Service has been stopped." // docs
	case 5027:
		return "5027 - The Windows Firewall Service was unable to retrieve the security policy from the local storage. The service will continue enforcing the current policy." // docs
	case 5028:
		return "5028 - The Windows Firewall Service was unable to parse the new security policy. The service will continue with currently enforced policy." // docs
	case 5029:
		return "5029 - The Windows Firewall Service failed to initialize the driver. The service will continue to enforce the current policy." // docs
	case 5030:
		return "5030 - The Windows Firewall Service failed to start." // docs
	case 5031:
		return "5031 - The Windows Firewall Service blocked an application from accepting incoming connections on the network." // docs
	case 5033:
		return "5033 - The Windows Firewall Driver has started successfully." // docs
	case 5034:
		return "5034 - The Windows Firewall Driver was stopped." // docs
	case 5035:
		return "5035 - The Windows Firewall Driver failed to start." // docs
	case 5037:
		return "5037 - The Windows Firewall Driver detected critical runtime error. Terminating." // docs
	case 5038:
		return "5038 - Code integrity determined that the image hash of a file is not valid." // docs
	case 5058:
		return "5058 - Key file operation." // docs
	case 5059:
		return "5059 - Key migration operation." // docs
	case 5136:
		return "5136 - A directory service object was modified." // docs
	case 5137:
		return "5137 - A directory service object was created." // docs
	case 5138:
		return "5138 - A directory service object was undeleted." // docs
	case 5139:
		return "5139 - A directory service object was moved." // docs
	case 5140:
		return "5140 - A network share object was accessed." // docs
	case 5141:
		return "5141 - A directory service object was deleted." // docs
	case 5142:
		return "5142 - A network share object was added." // docs
	case 5143:
		return "5143 - A network share object was modified." // docs
	case 5144:
		return "5144 - A network share object was deleted." // docs
	case 5145:
		return "5145 - A network share object was checked to see whether client can be granted desired access." // docs
	case 5148:
		return "5148 - The Windows Filtering Platform has detected a DoS attack and entered a defensive mode; packets associated with this attack will be discarded." // docs
	case 5149:
		return "5149 - The DoS attack has subsided and normal processing is being resumed." // docs
	case 5150:
		return "5150 - The Windows Filtering Platform blocked a packet." // docs
	case 5151:
		return "5151 - A more restrictive Windows Filtering Platform filter has blocked a packet." // docs
	case 5152:
		return "5152 - The Windows Filtering Platform blocked a packet." // docs
	case 5153:
		return "5153 - A more restrictive Windows Filtering Platform filter has blocked a packet." // docs
	case 5154:
		return "5154 - The Windows Filtering Platform has permitted an application or service to listen on a port for incoming connections." // docs
	case 5155:
		return "5155 - The Windows Filtering Platform has blocked an application or service from listening on a port for incoming connections." // docs
	case 5156:
		return "5156 - The Windows Filtering Platform has allowed a connection." // oracle
	case 5157:
		return "5157 - The Windows Filtering Platform has blocked a connection." // docs
	case 5158:
		return "5158 - The Windows Filtering Platform has permitted a bind to a local port." // oracle
	case 5159:
		return "5159 - The Windows Filtering Platform has blocked a bind to a local port." // docs
	case 5168:
		return "5168 - SPN check for SMB/SMB2 failed." // docs
	case 5376:
		return "5376 - Credential Manager credentials were backed up." // docs
	case 5377:
		return "5377 - Credential Manager credentials were restored from a backup." // docs
	case 5378:
		return "5378 - The requested credentials delegation was disallowed by policy." // docs
	case 5632:
		return "5632 - A request was made to authenticate to a wireless network." // docs
	case 5633:
		return "5633 - A request was made to authenticate to a wired network." // docs
	case 5712:
		return "5712 - A Remote Procedure Call (RPC) was attempted." // docs
	case 5888:
		return "5888 - An object in the COM+ Catalog was modified." // docs
	case 5889:
		return "5889 - An object was deleted from the COM+ Catalog." // docs
	case 5890:
		return "5890 - An object was added to the COM+ Catalog." // docs
	case 6144:
		return "6144 - Security policy in the group policy objects has been applied successfully." // docs
	case 6145:
		return "6145 - One or more errors occurred while processing security policy in the group policy objects." // docs
	case 6272:
		return "6272 - Network Policy Server granted access to a user." // unverified
	case 6273:
		return "6273 - Network Policy Server denied access to a user." // unverified
	case 6274:
		return "6274 - Network Policy Server discarded the request for a user." // unverified
	case 6275:
		return "6275 - Network Policy Server discarded the accounting request for a user." // unverified
	case 6276:
		return "6276 - Network Policy Server quarantined a user." // unverified
	case 6277:
		return "6277 - Network Policy Server granted access to a user but put it on probation because the host did not meet the defined health policy." // unverified
	case 6278:
		return "6278 - Network Policy Server granted full access to a user because the host met the defined health policy." // unverified
	case 6279:
		return "6279 - Network Policy Server locked the user account due to repeated failed authentication attempts." // unverified
	case 6280:
		return "6280 - Network Policy Server unlocked the user account." // unverified
	case 6281:
		return "6281 - Code Integrity determined that the page hashes of an image file are not valid." // docs
	case 6416:
		return "6416 - A new external device was recognized by the System." // docs
	case 6419:
		return "6419 - A request was made to disable a device." // docs
	case 6420:
		return "6420 - A device was disabled." // docs
	case 6421:
		return "6421 - A request was made to enable a device." // docs
	case 6422:
		return "6422 - A device was enabled." // docs
	case 6423:
		return "6423 - The installation of this device is forbidden by system policy." // docs
	case 6424:
		return "6424 - The installation of this device was allowed, after having previously been forbidden by policy." // docs
	case 8001:
		return "8001 - The AppLocker policy was applied successfully to this computer." // unverified
	case 8002:
		return "8002 - %1 was allowed to run." // unverified
	case 8003:
		return "8003 - %1 was allowed to run but would have been prevented from running if the AppLocker policy were enforced." // unverified
	case 8004:
		return "8004 - %1 was prevented from running." // unverified
	case 8005:
		return "8005 - %1 was allowed to run." // unverified
	case 8006:
		return "8006 - %1 was allowed to run but would have been prevented from running if the AppLocker policy were enforced." // unverified
	case 8007:
		return "8007 - %1 was prevented from running." // unverified
	case 8222:
		return "8222 - Shadow copy has been created." // unverified
	}
	return ""
}
