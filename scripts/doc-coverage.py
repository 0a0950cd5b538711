#!/usr/bin/env python3
"""Every public declaration of the libraries under Sources/ has a `///` doc comment (or a block
comment) right above it, attributes in between allowed. Prints the coverage per target; fails
listing what is undocumented. Usage: scripts/doc-coverage.py [TARGET]  (TARGET: list its gaps)"""
import re, glob, sys, os
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
failed = False
for t in sorted(os.listdir('Sources')):
    if not os.path.isdir('Sources/'+t): continue
    total=undoc=0; missing=[]
    for f in glob.glob(f'Sources/{t}/**/*.swift', recursive=True):
        L=open(f).read().split('\n')
        for i,l in enumerate(L):
            if not re.match(r'^\s*(?:@[\w().: ,"]+\s+)*(public|open)\s', l) or re.match(r'^\s*public import', l): continue
            if re.match(r'^\s*public extension|^\s*extension', l): continue
            total+=1
            j=i-1
            while j>=0 and L[j].strip().startswith('@'): j-=1
            prev=L[j].strip() if j>=0 else ''
            if not (prev.startswith('///') or prev.endswith('*/')):
                undoc+=1; missing.append(f'{f}:{i+1}: {l.strip()[:90]}')
    if total: print(f'{t}: {total-undoc}/{total} documented ({100*(total-undoc)//total}%)')
    if missing and t not in ('monitor', 'detector'):
        failed = True
        print('\n'.join('  ' + m for m in missing))

if failed:
    print('doc-coverage: the declarations above have no doc comment', file=sys.stderr)
    sys.exit(1)
