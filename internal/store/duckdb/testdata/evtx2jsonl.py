import sys, subprocess, json, re, gzip
import xml.etree.ElementTree as ET
NS='{http://schemas.microsoft.com/win/2004/08/events/event}'
def conv(path, limit=None):
    out=subprocess.run(['evtxexport','-f','xml',path],capture_output=True,text=True,errors='replace').stdout
    evs=[]
    for m in re.finditer(r'<Event xmlns=.*?</Event>', out, re.S):
        try: root=ET.fromstring(m.group(0))
        except Exception as e: continue
        s=root.find(NS+'System')
        def t(n):
            x=s.find(NS+n); return x.text if x is not None and x.text else ''
        p=s.find(NS+'Provider'); c=s.find(NS+'Correlation'); ex=s.find(NS+'Execution'); sec=s.find(NS+'Security')
        tc=s.find(NS+'TimeCreated').get('SystemTime')
        sysd=dict(Provider=p.get('Name',''),ProviderGUID=p.get('Guid',''),EventSource=p.get('EventSourceName',''),
          EventID=int(t('EventID')),Version=int(t('Version') or 0),Level=int(t('Level') or 0),Task=int(t('Task') or 0),
          Opcode=int(t('Opcode') or 0),Keywords=t('Keywords'),TimeCreated=tc,EventRecordID=int(t('EventRecordID')),
          ActivityID=(c.get('ActivityID','') if c is not None else ''),ProcessID=int(ex.get('ProcessID',0)) if ex is not None else 0,
          ThreadID=int(ex.get('ThreadID',0)) if ex is not None else 0,Channel=t('Channel'),Computer=t('Computer'),
          UserID=(sec.get('UserID','') if sec is not None else ''))
        ev=dict(System=sysd,Section='',Data=[])
        ed=root.find(NS+'EventData'); ud=root.find(NS+'UserData')
        if ed is not None:
            ev['Section']='EventData'
            for d in ed:
                if d.tag==NS+'Data': ev['Data'].append([d.get('Name',''), d.text or ''])
                elif d.tag==NS+'Binary': ev['Binary']=d.text or ''
        elif ud is not None and len(ud):
            ev['Section']='UserData'; w=ud[0]
            tag=w.tag; ns=''
            if tag.startswith('{'): ns,tag=tag[1:].split('}')
            ev['UserDataName']=tag; ev['UserDataNS']=ns
            for d in w:
                n=d.tag.split('}')[-1]
                ev['Data'].append([n, d.text or ''])
        evs.append(ev)
        if limit and len(evs)>=limit: break
    return evs
dst=sys.argv[1]; lim=int(sys.argv[2]) if sys.argv[2]!='0' else None
evs=[]
for p in sys.argv[3:]: evs+=conv(p, lim)
with gzip.open(dst,'wt') as f:
    for e in evs: f.write(json.dumps(e,ensure_ascii=False)+'\n')
print(len(evs))
